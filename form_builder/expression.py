"""The expression language of definitions: edge conditions, ``visible_if`` and computed fields.

A small, typed subset of Python syntax, evaluated by ``simpleeval`` (never ``eval``):

- literals (numbers, 'text', True, False, None), field names, lists ``[a, b]``;
- ``and or not``; comparisons, chained ones and ``in`` / ``not in``; ``+ - * / %`` and
  unary minus; ``x if condition else y``; ``table.column`` (the list of a column's values);
- the functions ``sum min max count round abs today date days_between``.

Typing rules (the same in the browser, static/form_builder/expression.js):

- every number is a ``Decimal`` (literals too), so ``0.1 + 0.2 == 0.3`` and money stays exact;
- ``+`` adds numbers or joins texts; ``- * / %`` take numbers; ``< <= > >=`` compare two
  numbers, texts, dates or date-times; ``and or not`` and the condition of ``if`` take booleans;
- ``==`` / ``!=`` between different types (``days == "3"``) is a type error rather than
  silently false, except against an empty value: ``x == None`` is how emptiness is tested;
- an operation on an empty (None) operand fails, except ``==``/``!=``, ``count`` (empty
  counts 0) and the aggregates ``sum min max`` over a list, which skip empty entries.

A failed evaluation raises ``ExpressionError``. ``holds`` and ``compute`` turn failure into
"false" and "no value", so a condition over a field nobody filled in is simply not met.
"""

from __future__ import annotations

import ast
import difflib
import functools
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import simpleeval

from form_builder import clock
from form_builder.values import Table
from form_builder.words import gettext as _
from form_builder.words import lazy_gettext

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_ROUND_PLACES = 10
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Each function: fewest and most arguments (None: no limit), and how to write it.
FUNCTIONS: dict[str, tuple[int, int | None, str]] = {
    "sum": (1, 1, "sum(list), e.g. sum(items.amount)"),
    "min": (1, None, "min(a, b, ...) or min(list)"),
    "max": (1, None, "max(a, b, ...) or max(list)"),
    "count": (1, 1, "count(list)"),
    "round": (1, 2, "round(number) or round(number, places)"),
    "abs": (1, 1, "abs(number)"),
    "today": (0, 0, "today()"),
    "date": (1, 1, 'date("YYYY-MM-DD")'),
    "days_between": (2, 2, "days_between(from, to)"),
}
ALLOWED_NODES = (
    ast.BoolOp,
    ast.UnaryOp,
    ast.BinOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.Name,
    ast.Constant,
    ast.Attribute,
    ast.List,
)
BINARY_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Mod: "%"}
COMPARE_SYMBOLS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}
FORBIDDEN = {
    ast.Lambda: lazy_gettext("'lambda'"),
    ast.ListComp: lazy_gettext("a comprehension ('for ... in')"),
    ast.SetComp: lazy_gettext("a comprehension ('for ... in')"),
    ast.DictComp: lazy_gettext("a comprehension ('for ... in')"),
    ast.GeneratorExp: lazy_gettext("a comprehension ('for ... in')"),
    ast.Subscript: lazy_gettext("indexing with [ ]"),
    ast.JoinedStr: lazy_gettext("an f-string"),
    ast.NamedExpr: lazy_gettext("':=' (assignment)"),
    ast.Dict: lazy_gettext("a dictionary { }"),
    ast.Set: lazy_gettext("a set { }"),
    ast.Tuple: lazy_gettext("a tuple"),
    ast.Starred: lazy_gettext("'*' unpacking"),
    ast.Await: lazy_gettext("'await'"),
    ast.Yield: lazy_gettext("'yield'"),
    ast.YieldFrom: lazy_gettext("'yield'"),
    ast.Pow: lazy_gettext("'**'"),
    ast.FloorDiv: lazy_gettext("'//'"),
    ast.MatMult: lazy_gettext("'@'"),
    ast.LShift: lazy_gettext("'<<'"),
    ast.RShift: lazy_gettext("'>>'"),
    ast.BitOr: lazy_gettext("'|'"),
    ast.BitXor: lazy_gettext("'^'"),
    ast.BitAnd: lazy_gettext("'&'"),
    ast.Invert: lazy_gettext("'~'"),
    ast.UAdd: lazy_gettext("unary '+'"),
    ast.Is: lazy_gettext("'is' (use ==)"),
    ast.IsNot: lazy_gettext("'is not' (use !=)"),
}
EXPECTED = {
    "boolean": ("boolean", lazy_gettext("a boolean (yes/no)")),
    "number": ("number", lazy_gettext("a number")),
    "money": ("number", lazy_gettext("an amount of money (a number)")),
    "text": ("text", lazy_gettext("text")),
    "date": ("date", lazy_gettext("a date")),
}


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated; ``message`` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ExpressionSyntaxError(ExpressionError):
    """Bad syntax, or a construct outside the language (``lambda``, ``x[0]``, ``open()``)."""


class ExpressionTypeError(ExpressionError):
    """An operation on values of the wrong type, such as comparing a date with a number."""


class EmptyOperandError(ExpressionError):
    """An operation on an empty (None) value, such as ``days > 3`` before days is filled."""


@dataclass(frozen=True)
class Expression:
    """A parsed, validated expression: its text, the names it reads and its syntax tree."""

    source: str
    names: frozenset[str]
    tree: ast.expr = field(repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The syntax tree as JSON, for static/form_builder/expression.js to evaluate."""
        return _to_json(self.tree)


def all_of(conditions: Sequence[Expression]) -> Expression:
    """The conditions joined by ``and`` (a single one is returned as it is): a field's
    ``visible_if`` and its section's, say. Its tree is made from theirs, not parsed again, so
    no length limit applies to the whole."""
    if len(conditions) == 1:
        return conditions[0]
    return Expression(
        source=" and ".join(f"({condition.source})" for condition in conditions),
        names=frozenset().union(*(condition.names for condition in conditions)),
        tree=ast.BoolOp(op=ast.And(), values=[condition.tree for condition in conditions]),
    )


# Parsing ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def parse(source: str) -> Expression:
    """Parse and validate ``source``; raises ``ExpressionSyntaxError`` naming the problem."""
    text = source.strip()
    if not text:
        raise ExpressionSyntaxError(_("the expression is empty"))
    if len(text) > MAX_LENGTH:
        raise ExpressionSyntaxError(
            _("the expression is longer than %(most)s characters", most=MAX_LENGTH)
        )
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise ExpressionSyntaxError(_syntax_message(text, exc)) from None
    except (ValueError, RecursionError, MemoryError):
        # Nesting beyond what Python's own parser takes.
        raise ExpressionSyntaxError(_("the expression is nested too deeply")) from None
    return Expression(source, _validate(text, tree), tree)


def _syntax_message(text: str, exc: SyntaxError) -> str:
    lines = text.splitlines() or [""]
    lineno = min(exc.lineno or 1, len(lines))
    offset = exc.offset or 1
    where = _where(lineno, offset)
    snippet = lines[lineno - 1][offset - 1 : offset + 19].strip()
    if not snippet:
        return _("syntax error at the end: %(error)s (%(where)s)", error=exc.msg, where=where)
    return _(
        "syntax error at '%(snippet)s': %(error)s (%(where)s)",
        snippet=snippet,
        error=exc.msg,
        where=where,
    )


def _where(lineno: int, column: int) -> str:
    if lineno == 1:
        return _("column %(column)s", column=column)
    return _("line %(line)s, column %(column)s", line=lineno, column=column)


def _validate(text: str, tree: ast.expr) -> frozenset[str]:
    """Check that every node is in the language; return the names read (not those called)."""
    names: set[str] = set()
    stack: list[tuple[ast.expr, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionSyntaxError(
                _("the expression nests deeper than %(most)s levels", most=MAX_DEPTH)
            )
        _validate_node(text, node)
        if isinstance(node, ast.Name):
            names.add(node.id)
        children = node.args if isinstance(node, ast.Call) else ast.iter_child_nodes(node)
        stack.extend((child, depth + 1) for child in children if isinstance(child, ast.expr))
    return frozenset(names)


def _validate_node(text: str, node: ast.expr) -> None:
    """Raise ``ExpressionSyntaxError`` if ``node`` itself is outside the language."""

    def segment() -> str | None:
        # Only for a message: finding a node's text splits the whole source into lines, so
        # doing it for every node made checking quadratic in the expression's length (a
        # 41 KB definition took 6.9 s in the designer's check; issue 17, defect 5).
        return ast.get_source_segment(text, node)

    if not isinstance(node, ALLOWED_NODES):
        what = FORBIDDEN.get(type(node)) or repr(segment())
        raise _error(_("%(what)s is not allowed in expressions", what=what), node)
    for child in ast.iter_child_nodes(node):
        # Operators carry no position: the message points at the expression using them.
        if type(child) in FORBIDDEN and not isinstance(child, ast.expr):
            what = FORBIDDEN[type(child)]
            raise _error(
                _(
                    "%(what)s is not allowed in expressions: '%(segment)s'",
                    what=what,
                    segment=segment(),
                ),
                node,
            )
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise _error(_("names starting with '_' are not allowed: '%(name)s'", name=node.id), node)
    if isinstance(node, ast.Constant) and not _is_literal(node.value):
        raise _error(_("%(what)s is not allowed in expressions", what=repr(segment())), node)
    if isinstance(node, ast.Attribute) and (
        not isinstance(node.value, ast.Name) or node.attr.startswith("_")
    ):
        raise _error(
            _(
                "only a table column may follow a dot, as in items.amount: '%(segment)s'",
                segment=segment(),
            ),
            node,
        )
    if isinstance(node, ast.Call):
        _validate_call(text, node)


def _is_literal(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str | int | bool | type(None))


def _validate_call(text: str, node: ast.Call) -> None:
    if not isinstance(node.func, ast.Name):
        called = ast.get_source_segment(text, node.func)
        raise _error(
            _(
                "'%(called)s' cannot be called; the functions are %(functions)s",
                called=called,
                functions=", ".join(FUNCTIONS),
            ),
            node,
        )
    name = node.func.id
    if name not in FUNCTIONS:
        raise _error(_("unknown function '%(name)s'", name=name), node)
    fewest, most, usage = FUNCTIONS[name]
    if node.keywords:
        raise _error(_("keyword arguments are not allowed; write %(usage)s", usage=usage), node)
    if len(node.args) < fewest or (most is not None and len(node.args) > most):
        raise _error(
            _("wrong number of arguments to %(name)s(); write %(usage)s", name=name, usage=usage),
            node,
        )
    if name == "date":
        argument = node.args[0]
        literal = argument.value if isinstance(argument, ast.Constant) else None
        if not isinstance(literal, str) or _iso_date(literal) is None:
            raise _error(_("date() takes a valid date written as %(usage)s", usage=usage), node)


def _iso_date(text: str) -> date | None:
    """The date written as YYYY-MM-DD, or None (fromisoformat alone accepts more forms)."""
    if not ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _error(message: str, node: ast.expr) -> ExpressionSyntaxError:
    where = _where(node.lineno, node.col_offset + 1)
    return ExpressionSyntaxError(f"{message} ({where})")


# Values and operations ---------------------------------------------------------------------


def type_name(value: Any) -> str:
    """The language's name for the type of an expression value, for messages."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, Decimal):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "date and time"
    if isinstance(value, date):
        return "date"
    if isinstance(value, Table):
        return "table"
    if isinstance(value, list):
        return "list"
    return "unsupported value"


# The types' names in messages, in the request's language (type_name's are the language's
# own, compared in the code).
TYPE_WORDS = {
    "empty": lazy_gettext("empty"),
    "boolean": lazy_gettext("boolean"),
    "number": lazy_gettext("number"),
    "text": lazy_gettext("text"),
    "date and time": lazy_gettext("date and time"),
    "date": lazy_gettext("date"),
    "table": lazy_gettext("table"),
    "list": lazy_gettext("list"),
    "unsupported value": lazy_gettext("unsupported value"),
}


def type_word(value: Any) -> str:
    """The type of ``value`` as a message names it, in the request's language."""
    name = type_name(value)
    return str(TYPE_WORDS.get(name, name))


ORDERED_TYPES = {"number", "text", "date", "date and time"}
EQUATABLE_TYPES = ORDERED_TYPES | {"boolean"}


def _filled(symbol: str, *operands: Any) -> None:
    if any(operand is None for operand in operands):
        raise EmptyOperandError(_("'%(symbol)s' has an empty operand", symbol=symbol))


def _numbers(symbol: str, left: Any, right: Any) -> None:
    _filled(symbol, left, right)
    if type_name(left) != "number" or type_name(right) != "number":
        raise ExpressionTypeError(
            _(
                "cannot use '%(symbol)s' with %(left)s and %(right)s",
                symbol=symbol,
                left=type_word(left),
                right=type_word(right),
            )
        )


def _add(left: Any, right: Any) -> Any:
    _filled("+", left, right)
    if type_name(left) == type_name(right) == "text":
        return left + right
    _numbers("+", left, right)
    return left + right


def _arithmetic(symbol: str, function: Callable[[Decimal, Decimal], Decimal]) -> Callable:
    def apply(left: Any, right: Any) -> Decimal:
        _numbers(symbol, left, right)
        if symbol in "/%" and right == 0:
            raise ExpressionError(_("division by zero"))
        return function(left, right)

    return apply


def _negate(operand: Any) -> Decimal:
    _filled("-", operand)
    if type_name(operand) != "number":
        raise ExpressionTypeError(_("cannot use '-' with %(type)s", type=type_word(operand)))
    return -operand


def _boolean(value: Any, word: str) -> bool:
    _filled(word, value)
    if not isinstance(value, bool):
        raise ExpressionTypeError(
            _("'%(word)s' needs a boolean (yes/no), not %(type)s", word=word, type=type_word(value))
        )
    return value


def _not(operand: Any) -> bool:
    return not _boolean(operand, "not")


def _equal(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is right
    kind = type_name(left)
    if kind != type_name(right) or kind not in EQUATABLE_TYPES:
        raise ExpressionTypeError(
            _(
                "cannot compare %(left)s with %(right)s",
                left=type_word(left),
                right=type_word(right),
            )
        )
    return left == right


def _ordering(symbol: str, function: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def apply(left: Any, right: Any) -> bool:
        _filled(symbol, left, right)
        kind = type_name(left)
        if kind != type_name(right) or kind not in ORDERED_TYPES:
            raise ExpressionTypeError(
                _(
                    "cannot compare %(left)s with %(right)s",
                    left=type_word(left),
                    right=type_word(right),
                )
            )
        return function(left, right)

    return apply


def _contains(item: Any, container: Any) -> bool:
    _filled("in", item, container)
    if isinstance(container, str) and isinstance(item, str):
        return item in container
    if type_name(container) != "list":
        raise ExpressionTypeError(
            _(
                "cannot look for %(item)s in %(container)s",
                item=type_word(item),
                container=type_word(container),
            )
        )
    return any(_equal(item, element) for element in container)


OPERATORS: dict[type, Callable] = {
    ast.Add: _add,
    ast.Sub: _arithmetic("-", operator.sub),
    ast.Mult: _arithmetic("*", operator.mul),
    ast.Div: _arithmetic("/", operator.truediv),
    ast.Mod: _arithmetic("%", operator.mod),
    ast.USub: _negate,
    ast.Not: _not,
    ast.Eq: _equal,
    ast.NotEq: lambda left, right: not _equal(left, right),
    ast.Lt: _ordering("<", operator.lt),
    ast.LtE: _ordering("<=", operator.le),
    ast.Gt: _ordering(">", operator.gt),
    ast.GtE: _ordering(">=", operator.ge),
    ast.In: _contains,
    ast.NotIn: lambda item, container: not _contains(item, container),
}


# Functions ----------------------------------------------------------------------------------


def _list(name: str, value: Any) -> list[Any]:
    if type_name(value) != "list":
        raise ExpressionTypeError(
            _("%(name)s() needs a list, not %(type)s", name=name, type=type_word(value))
        )
    return value


def _sum(values: Any) -> Decimal:
    total = Decimal(0)
    for value in _list("sum", values):
        if value is not None:
            if type_name(value) != "number":
                raise ExpressionTypeError(
                    _("sum() needs numbers, not %(type)s", type=type_word(value))
                )
            total += value
    return total


def _extreme(name: str, pick: Callable[[list[Any]], Any]) -> Callable[..., Any]:
    def apply(*arguments: Any) -> Any:
        if len(arguments) == 1:
            values = [value for value in _list(name, arguments[0]) if value is not None]
            if not values:
                raise EmptyOperandError(_("%(name)s() of no values", name=name))
        else:
            _filled(f"{name}()", *arguments)
            values = list(arguments)
        kinds = {type_name(value) for value in values}
        if len(kinds) > 1 or not kinds <= ORDERED_TYPES:
            raise ExpressionTypeError(
                _(
                    "%(name)s() cannot compare %(types)s",
                    name=name,
                    types=_(" with ").join(str(TYPE_WORDS.get(k, k)) for k in sorted(kinds)),
                )
            )
        return pick(values)

    return apply


def _count(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    if not isinstance(value, str | list):
        raise ExpressionTypeError(
            _("count() needs a list or text, not %(type)s", type=type_word(value))
        )
    return Decimal(len(value))


def _round(value: Any, places: Any = Decimal(0)) -> Decimal:
    _filled("round()", value, places)
    if type_name(value) != "number" or type_name(places) != "number":
        raise ExpressionTypeError(
            _(
                "round() needs numbers, not %(value)s and %(places)s",
                value=type_word(value),
                places=type_word(places),
            )
        )
    if places != places.to_integral_value() or not 0 <= places <= MAX_ROUND_PLACES:
        raise ExpressionError(
            _(
                "round() takes 0 to %(most)s places, not %(places)s",
                most=MAX_ROUND_PLACES,
                places=places,
            )
        )
    return value.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)


def _abs(value: Any) -> Decimal:
    _filled("abs()", value)
    if type_name(value) != "number":
        raise ExpressionTypeError(_("abs() needs a number, not %(type)s", type=type_word(value)))
    return abs(value)


def _today() -> date:
    """The server's local date, read through the clock so tests can freeze it."""
    return clock.utcnow().replace(tzinfo=UTC).astimezone().date()


def _date(text: str) -> date:
    return date.fromisoformat(text)


def _days_between(start: Any, end: Any) -> Decimal:
    """Calendar days from ``start`` to ``end``; a date and time counts by its date."""
    _filled("days_between()", start, end)
    for value in (start, end):
        if not isinstance(value, date):
            raise ExpressionTypeError(
                _("days_between() needs dates, not %(type)s", type=type_word(value))
            )
    return Decimal((_day(end) - _day(start)).days)


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


FUNCTION_IMPLEMENTATIONS: dict[str, Callable[..., Any]] = {
    "sum": _sum,
    "min": _extreme("min", min),
    "max": _extreme("max", max),
    "count": _count,
    "round": _round,
    "abs": _abs,
    "today": _today,
    "date": _date,
    "days_between": _days_between,
}


# Evaluation --------------------------------------------------------------------------------


class _Evaluator(simpleeval.SimpleEval):
    """simpleeval with the language's types: Decimal numbers, strict booleans, table columns.

    ``exhaustive`` is for the publish-time check: it evaluates every operand and both
    branches (no short-circuit), so a type error anywhere shows up with the sample values.
    """

    def __init__(self, values: Mapping[str, Any], exhaustive: bool = False) -> None:
        super().__init__(
            operators=dict(OPERATORS), functions=dict(FUNCTION_IMPLEMENTATIONS), names=values
        )
        self.nodes[ast.List] = self._eval_list
        self.exhaustive = exhaustive
        if exhaustive:
            # Sample values are arbitrary: a zero divisor is no fault of the expression.
            self.operators[ast.Div] = self._tolerant(ast.Div)
            self.operators[ast.Mod] = self._tolerant(ast.Mod)

    def _tolerant(self, op: type) -> Callable[[Any, Any], Any]:
        strict = OPERATORS[op]

        def apply(left: Any, right: Any) -> Any:
            return strict(left, Decimal(1) if right == 0 else right)

        return apply

    @staticmethod
    def _eval_constant(node: ast.Constant) -> Any:
        value = node.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Decimal(repr(value))
        return value

    def _eval_name(self, node: ast.Name) -> Any:
        if node.id not in self.names:
            raise ExpressionError(_("unknown field '%(name)s'", name=node.id))
        value = self.names[node.id]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Decimal(repr(value))
        return value

    def _eval_attribute(self, node: ast.Attribute) -> list[Any]:
        table = self._eval(node.value)
        _filled(".", table)
        if not isinstance(table, Table):
            raise ExpressionTypeError(
                _(
                    "cannot read column '%(column)s' of %(type)s '%(name)s'",
                    column=node.attr,
                    type=type_word(table),
                    name=node.value.id,
                )
            )
        if node.attr not in table.columns:
            raise ExpressionError(
                _(
                    "table '%(name)s' has no column '%(column)s'",
                    name=node.value.id,
                    column=node.attr,
                )
            )
        return table.column(node.attr)

    def _eval_list(self, node: ast.List) -> list[Any]:
        return [self._eval(element) for element in node.elts]

    def _eval_boolop(self, node: ast.BoolOp) -> bool:
        is_and = isinstance(node.op, ast.And)
        word = "and" if is_and else "or"
        decided: bool | None = None
        for operand in node.values:
            if decided is not None and not self.exhaustive:
                break
            value = _boolean(self._eval(operand), word)
            if decided is None and value is not is_and:
                decided = value
        return is_and if decided is None else decided

    def _eval_compare(self, node: ast.Compare) -> bool:
        left = self._eval(node.left)
        result = True
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            if not result and not self.exhaustive:
                break
            right = self._eval(comparator)
            result = self.operators[type(op)](left, right) and result
            left = right
        return result

    def _eval_ifexp(self, node: ast.IfExp) -> Any:
        test = _boolean(self._eval(node.test), "if")
        if not self.exhaustive:
            return self._eval(node.body if test else node.orelse)
        body, orelse = self._eval(node.body), self._eval(node.orelse)
        kinds = {type_name(body), type_name(orelse)} - {"empty"}
        if len(kinds) > 1:
            raise ExpressionTypeError(
                _(
                    "the two branches of 'if ... else' give %(body)s and %(orelse)s",
                    body=type_word(body),
                    orelse=type_word(orelse),
                )
            )
        return body if body is not None else orelse


def _run(expression: Expression, values: Mapping[str, Any], exhaustive: bool = False) -> Any:
    try:
        return _Evaluator(values, exhaustive).eval(expression.source, expression.tree)
    except ArithmeticError as exc:
        raise ExpressionError("the calculation failed: a number is too large") from exc
    except simpleeval.InvalidExpression as exc:
        raise ExpressionError(str(exc)) from exc


def _parsed(expr: Expression | str) -> Expression:
    return parse(expr) if isinstance(expr, str) else expr


def evaluate(expr: Expression | str, values: Mapping[str, Any]) -> Any:
    """The value of ``expr`` over ``values`` (field key → expression value).

    Raises ``ExpressionError`` (or a subclass) when the expression cannot be evaluated.
    """
    return _run(_parsed(expr), values)


def holds(expr: Expression | str, values: Mapping[str, Any]) -> bool:
    """Whether a condition (edge condition, ``visible_if``) is met.

    Only a result of True is met. An expression that fails, typically because an operand is
    empty (``days > 3`` before days is filled in), is not met: False.
    """
    try:
        return evaluate(expr, values) is True
    except ExpressionError:
        return False


def compute(expr: Expression | str, values: Mapping[str, Any]) -> Any | None:
    """The value of a computed field, or None when an operand is empty or evaluation fails."""
    try:
        return evaluate(expr, values)
    except ExpressionError:
        return None


def check(source: str, samples: Mapping[str, Any], expect: str) -> list[str]:
    """Publish-time problems of ``source`` as sentences; empty when it is fine.

    ``samples`` maps every name in scope to a sample value of its type (``sample_value``);
    ``expect`` is the result type wanted: boolean, number, money, text, date or any.
    Reports syntax, unknown names, type errors (found by evaluating every branch with the
    samples) and a result of the wrong type.
    """
    try:
        expression = parse(source)
    except ExpressionSyntaxError as exc:
        return [exc.message]
    unknown = sorted(expression.names - samples.keys())
    if unknown:
        return [_unknown_name(name, samples) for name in unknown]
    try:
        value = _run(expression, samples, exhaustive=True)
    except (ExpressionTypeError, EmptyOperandError) as exc:
        return [_("type error: %(problem)s", problem=exc.message)]
    except ExpressionError as exc:
        return [exc.message]
    if expect == "any":
        return []
    wanted, described = EXPECTED[expect]
    if type_name(value) != wanted:
        gives = _("nothing") if value is None else type_word(value)
        return [_("must give %(wanted)s, gives %(gives)s", wanted=described, gives=gives)]
    return []


def _unknown_name(name: str, samples: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(name, list(samples), n=1)
    if close:
        return _("unknown field '%(name)s' (did you mean '%(close)s'?)", name=name, close=close[0])
    return _("unknown field '%(name)s'", name=name)


# The JSON syntax tree -------------------------------------------------------------------------


def _to_json(node: ast.expr) -> dict[str, Any]:
    """One node of the tree the browser evaluates; see static/form_builder/expression.js."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return {"node": "number", "value": repr(value)}
        return {"node": "literal", "value": value}
    if isinstance(node, ast.Name):
        return {"node": "name", "id": node.id}
    if isinstance(node, ast.Attribute):
        return {"node": "column", "table": node.value.id, "key": node.attr}
    if isinstance(node, ast.List):
        return {"node": "list", "items": [_to_json(item) for item in node.elts]}
    if isinstance(node, ast.BoolOp):
        word = "and" if isinstance(node.op, ast.And) else "or"
        return {"node": word, "operands": [_to_json(value) for value in node.values]}
    if isinstance(node, ast.UnaryOp):
        word = "not" if isinstance(node.op, ast.Not) else "negate"
        return {"node": word, "operand": _to_json(node.operand)}
    if isinstance(node, ast.BinOp):
        return {
            "node": "binary",
            "op": BINARY_SYMBOLS[type(node.op)],
            "left": _to_json(node.left),
            "right": _to_json(node.right),
        }
    if isinstance(node, ast.Compare):
        return {
            "node": "compare",
            "left": _to_json(node.left),
            "comparisons": [
                {"op": COMPARE_SYMBOLS[type(op)], "right": _to_json(right)}
                for op, right in zip(node.ops, node.comparators, strict=True)
            ],
        }
    if isinstance(node, ast.IfExp):
        return {
            "node": "if",
            "test": _to_json(node.test),
            "then": _to_json(node.body),
            "else": _to_json(node.orelse),
        }
    return {
        "node": "call",
        "function": node.func.id,
        "args": [_to_json(argument) for argument in node.args],
    }
