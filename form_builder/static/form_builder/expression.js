/*
 * OAExpression: evaluates, in the browser, the JSON syntax tree that
 * form_builder/expression.py's Expression.to_json() produces, for live visibility and
 * computed fields. The server evaluates again on submit and its answer is the one kept.
 *
 * The rules are those of expression.py (its module docstring lists them): typed operators,
 * strict booleans, == across types is an error, an operation on an empty operand fails,
 * and holds()/compute() turn any failure into false/null.
 *
 *   const values = OAExpression.expressionValues(fields, stored);
 *   OAExpression.holds(ast, values);                              // true or false
 *   OAExpression.toStored(field, OAExpression.compute(ast, values)); // stored JSON or null
 *
 * `fields` are described by the server (compiler.client_field): each says, from its field
 * type, the expression type of its values (`value`) and the decimals of numbers stored as text
 * (`places`), so no field type is named here and a plugin's type is read like a built-in one.
 * `stored` holds the stored JSON forms (money as "1234.50", dates as "YYYY-MM-DD");
 * expressionValues() reads them by that description, as values.expression_value does in Python.
 * Numbers are JS numbers, rounded to 15 significant digits after each operation so that
 * money sums agree with Python's Decimal (0.1 + 0.2 == 0.3). No eval, no Function.
 */
(function () {
  "use strict";

  class ExpressionError extends Error {}

  class EmptyOperandError extends ExpressionError {}

  // Dates and date-times stay ISO text, wrapped so they are never taken for text.
  class When {
    constructor(kind, iso) {
      this.kind = kind;
      this.iso = iso;
    }
  }

  class Table {
    constructor(rows, columns) {
      this.rows = rows;
      this.columns = columns;
    }
  }

  const ORDERED = new Set(["number", "text", "date", "date and time"]);
  const EQUATABLE = new Set([...ORDERED, "boolean"]);

  function isEmpty(value) {
    return value === null || value === undefined;
  }

  function typeName(value) {
    if (isEmpty(value)) return "empty";
    if (typeof value === "boolean") return "boolean";
    if (typeof value === "number") return "number";
    if (typeof value === "string") return "text";
    if (value instanceof When) return value.kind;
    if (value instanceof Table) return "table";
    if (Array.isArray(value)) return "list";
    return "unsupported value";
  }

  function tidy(number) {
    return Number(number.toPrecision(15));
  }

  // Values ----------------------------------------------------------------------------

  function expressionValue(field, stored) {
    if (isEmpty(stored) || stored === "") return null;
    switch (field.value) {
      case "number":
        return Number(stored);
      case "date":
      case "date and time":
        return new When(field.value, stored);
      case "boolean":
        return Boolean(stored);
      case "list":
        return stored.slice();
      case "table":
        return new Table(
          stored.map((row) => expressionValues(field.columns, row)),
          field.columns.map((column) => column.key),
        );
      default:
        return stored;
    }
  }

  function expressionValues(fields, stored) {
    const values = {};
    for (const field of fields) {
      if (field.value !== null) values[field.key] = expressionValue(field, stored[field.key]);
    }
    return values;
  }

  function roundHalfUp(number, places) {
    // Shift the decimal point in the text, not by multiplying: 1.005 * 100 is 100.49999...
    const shift = (value, by) => {
      const [mantissa, exponent = "0"] = String(value).split("e");
      return Number(`${mantissa}e${Number(exponent) + by}`);
    };
    const sign = number < 0 ? -1 : 1;
    return sign * shift(Math.round(shift(Math.abs(number), places)), -places);
  }

  function toStored(field, value) {
    if (isEmpty(value)) return null;
    switch (field.value) {
      case "number":
        // A type with fixed places (money) stores text, rounded half up as Python rounds.
        return field.places === null ? value : roundHalfUp(value, field.places).toFixed(field.places);
      case "date":
        return value.iso.slice(0, 10);
      case "date and time":
        return value.iso.slice(0, 16);
      case "boolean":
        return Boolean(value);
      default:
        return value;
    }
  }

  // Operations ------------------------------------------------------------------------

  function filled(symbol, ...operands) {
    if (operands.some(isEmpty)) throw new EmptyOperandError(`'${symbol}' has an empty operand`);
  }

  function numbers(symbol, left, right) {
    filled(symbol, left, right);
    if (typeName(left) !== "number" || typeName(right) !== "number") {
      throw new ExpressionError(
        `cannot use '${symbol}' with ${typeName(left)} and ${typeName(right)}`,
      );
    }
  }

  function arithmetic(symbol, operation) {
    return (left, right) => {
      numbers(symbol, left, right);
      if ((symbol === "/" || symbol === "%") && right === 0) {
        throw new ExpressionError("division by zero");
      }
      return tidy(operation(left, right));
    };
  }

  const BINARY = {
    "+": (left, right) => {
      filled("+", left, right);
      if (typeof left === "string" && typeof right === "string") return left + right;
      numbers("+", left, right);
      return tidy(left + right);
    },
    "-": arithmetic("-", (left, right) => left - right),
    "*": arithmetic("*", (left, right) => left * right),
    "/": arithmetic("/", (left, right) => left / right),
    "%": arithmetic("%", (left, right) => left % right),
  };

  function boolean(value, word) {
    filled(word, value);
    if (typeof value !== "boolean") {
      throw new ExpressionError(`'${word}' needs a boolean (yes/no), not ${typeName(value)}`);
    }
    return value;
  }

  function sortKey(value) {
    return value instanceof When ? value.iso : value;
  }

  function equal(left, right) {
    if (isEmpty(left) || isEmpty(right)) return isEmpty(left) && isEmpty(right);
    const kind = typeName(left);
    if (kind !== typeName(right) || !EQUATABLE.has(kind)) {
      throw new ExpressionError(`cannot compare ${kind} with ${typeName(right)}`);
    }
    return sortKey(left) === sortKey(right);
  }

  // -1, 0 or 1; both values of one ordered type, else an error.
  function order(symbol, left, right) {
    filled(symbol, left, right);
    const kind = typeName(left);
    if (kind !== typeName(right) || !ORDERED.has(kind)) {
      throw new ExpressionError(`cannot compare ${kind} with ${typeName(right)}`);
    }
    const [a, b] = [sortKey(left), sortKey(right)];
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function contains(item, container) {
    filled("in", item, container);
    if (typeof container === "string" && typeof item === "string") return container.includes(item);
    if (typeName(container) !== "list") {
      throw new ExpressionError(`cannot look for ${typeName(item)} in ${typeName(container)}`);
    }
    return container.some((element) => equal(item, element));
  }

  const COMPARE = {
    "==": equal,
    "!=": (left, right) => !equal(left, right),
    "<": (left, right) => order("<", left, right) < 0,
    "<=": (left, right) => order("<=", left, right) <= 0,
    ">": (left, right) => order(">", left, right) > 0,
    ">=": (left, right) => order(">=", left, right) >= 0,
    in: contains,
    "not in": (item, container) => !contains(item, container),
  };

  // Functions -------------------------------------------------------------------------

  function list(name, value) {
    if (typeName(value) !== "list") {
      throw new ExpressionError(`${name}() needs a list, not ${typeName(value)}`);
    }
    return value;
  }

  function extreme(name, wanted) {
    return (...args) => {
      let values = args;
      if (args.length === 1) {
        values = list(name, args[0]).filter((value) => !isEmpty(value));
        if (values.length === 0) throw new EmptyOperandError(`${name}() of no values`);
      } else {
        filled(`${name}()`, ...args);
      }
      for (const value of values) order(name, value, values[0]); // one ordered type only
      return values.reduce((best, value) => (order(name, value, best) === wanted ? value : best));
    };
  }

  function localToday() {
    const now = new Date();
    const pad = (number) => String(number).padStart(2, "0");
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }

  function dayNumber(value) {
    const [year, month, day] = value.iso.slice(0, 10).split("-").map(Number);
    return Date.UTC(year, month - 1, day) / 86400000;
  }

  const FUNCTIONS = {
    sum(values) {
      let total = 0;
      for (const value of list("sum", values)) {
        if (isEmpty(value)) continue;
        if (typeName(value) !== "number") {
          throw new ExpressionError(`sum() needs numbers, not ${typeName(value)}`);
        }
        total = tidy(total + value);
      }
      return total;
    },
    min: extreme("min", -1),
    max: extreme("max", 1),
    count(value) {
      if (isEmpty(value)) return 0;
      if (typeof value === "string") return [...value].length;
      if (value instanceof Table) return value.rows.length;
      if (Array.isArray(value)) return value.length;
      throw new ExpressionError(`count() needs a list or text, not ${typeName(value)}`);
    },
    round(value, places = 0) {
      numbers("round()", value, places);
      if (!Number.isInteger(places) || places < 0 || places > 10) {
        throw new ExpressionError(`round() takes 0 to 10 places, not ${places}`);
      }
      return roundHalfUp(value, places);
    },
    abs(value) {
      filled("abs()", value);
      if (typeName(value) !== "number") {
        throw new ExpressionError(`abs() needs a number, not ${typeName(value)}`);
      }
      return Math.abs(value);
    },
    today: () => new When("date", localToday()),
    date: (text) => new When("date", text),
    days_between(start, end) {
      filled("days_between()", start, end);
      for (const value of [start, end]) {
        if (!(value instanceof When)) {
          throw new ExpressionError(`days_between() needs dates, not ${typeName(value)}`);
        }
      }
      return dayNumber(end) - dayNumber(start);
    },
  };

  // Evaluation ------------------------------------------------------------------------

  function lookUp(values, name) {
    if (!Object.prototype.hasOwnProperty.call(values, name)) {
      throw new ExpressionError(`unknown field '${name}'`);
    }
    return isEmpty(values[name]) ? null : values[name];
  }

  function column(node, values) {
    const table = lookUp(values, node.table);
    filled(".", table);
    if (!(table instanceof Table)) {
      throw new ExpressionError(`cannot read column '${node.key}' of ${typeName(table)}`);
    }
    if (!table.columns.includes(node.key)) {
      throw new ExpressionError(`table '${node.table}' has no column '${node.key}'`);
    }
    return table.rows.map((row) => (isEmpty(row[node.key]) ? null : row[node.key]));
  }

  function evaluate(node, values) {
    switch (node.node) {
      case "number":
        return Number(node.value);
      case "literal":
        return node.value;
      case "name":
        return lookUp(values, node.id);
      case "column":
        return column(node, values);
      case "list":
        return node.items.map((item) => evaluate(item, values));
      case "and":
      case "or": {
        const isAnd = node.node === "and";
        for (const operand of node.operands) {
          if (boolean(evaluate(operand, values), node.node) !== isAnd) return !isAnd;
        }
        return isAnd;
      }
      case "not":
        return !boolean(evaluate(node.operand, values), "not");
      case "negate": {
        const value = evaluate(node.operand, values);
        filled("-", value);
        if (typeName(value) !== "number") {
          throw new ExpressionError(`cannot use '-' with ${typeName(value)}`);
        }
        return 0 - value;
      }
      case "binary":
        return BINARY[node.op](evaluate(node.left, values), evaluate(node.right, values));
      case "compare": {
        let left = evaluate(node.left, values);
        for (const comparison of node.comparisons) {
          const right = evaluate(comparison.right, values);
          if (!COMPARE[comparison.op](left, right)) return false;
          left = right;
        }
        return true;
      }
      case "if":
        return evaluate(boolean(evaluate(node.test, values), "if") ? node.then : node.else, values);
      case "call":
        return FUNCTIONS[node.function](...node.args.map((arg) => evaluate(arg, values)));
      default:
        throw new ExpressionError(`unknown syntax node '${node.node}'`);
    }
  }

  function holds(ast, values) {
    try {
      return evaluate(ast, values) === true;
    } catch (error) {
      if (error instanceof ExpressionError) return false;
      throw error;
    }
  }

  function compute(ast, values) {
    try {
      return evaluate(ast, values);
    } catch (error) {
      if (error instanceof ExpressionError) return null;
      throw error;
    }
  }

  window.OAExpression = {
    evaluate,
    holds,
    compute,
    expressionValues,
    toStored,
    ExpressionError,
  };
})();
