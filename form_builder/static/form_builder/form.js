/*
 * Live behaviour of forms rendered by form_builder/rendering.py (templates/form_builder/form.html):
 * visibility (visible_if), computed fields and columns, table rows added and removed, rich text
 * kept in its hidden textarea. Needs expression.js (window.OAExpression) loaded first.
 *
 * The server decides again on submission; this is a convenience. Plain DOM, no inline
 * handlers (a Content-Security-Policy without 'unsafe-inline' is the plan). No field type is
 * named here: each field of the page's spec says how its control is read (`read`) and how its
 * values are computed with (`value`, `places`), from its type (FieldType.client). Its words
 * go through i18n.js (window.oaI18n, loaded first; English where it is missing).
 */
(function () {
  "use strict";

  const _ = window.oaI18n ? window.oaI18n.gettext : (text) => text;

  function readJson(element, name) {
    try {
      return JSON.parse(element.getAttribute(name) || "null");
    } catch (error) {
      return null;
    }
  }

  // Stored-form values from the inputs ------------------------------------------------

  function inputValue(scope, name, field) {
    const inputs = Array.from(scope.querySelectorAll(`[name="${name}"]`));
    if (!inputs.length) return null;
    const first = inputs[0];
    switch (field.read) {
      case "checked":
        return first.checked;
      case "checked_values":
        return inputs.filter((input) => input.checked).map((input) => input.value);
      case "chosen": {
        const chosen = inputs.find((input) => input.checked);
        return chosen ? chosen.value : null;
      }
      case "number": {
        const number = first.value.trim() === "" ? NaN : Number(first.value);
        if (!Number.isFinite(number)) return null;
        return field.places === null ? number : number.toFixed(field.places);
      }
      default:
        return first.value === "" ? null : first.value;
    }
  }

  function tableRows(root, field) {
    const table = root.querySelector(`[data-oa-table="${field.key}"]`);
    if (!table) return [];
    return Array.from(table.tBodies[0].rows).map((row, index) => {
      const values = {};
      for (const column of field.columns) {
        if (column.read === null) {
          values[column.key] = null; // computed over the row below
        } else {
          values[column.key] = inputValue(row, `${field.key}-${index}-${column.key}`, column);
        }
      }
      return values;
    });
  }

  function attachmentValue(root, key) {
    const group = root.querySelector(`[data-oa-field="${key}"]`);
    const kept = Array.from(group.querySelectorAll(`input[name="${key}-keep"]:checked`)).map(
      (input) => ({ id: input.value }),
    );
    const picked = group.querySelector(`input[name="${key}-files"]`);
    const added = Array.from((picked && picked.files) || []).map((file) => ({ name: file.name }));
    return kept.concat(added);
  }

  function collect(root, spec, start) {
    const stored = Object.assign({}, start);
    for (const field of spec.fields) {
      if (field.access !== "edit") continue;
      if (field.read === "rows") stored[field.key] = tableRows(root, field);
      else if (field.read === "files") stored[field.key] = attachmentValue(root, field.key);
      else stored[field.key] = inputValue(root, field.key, field);
    }
    return stored;
  }

  // Computed values and visibility ------------------------------------------------------

  function show(value) {
    if (value === null || value === undefined || value === "") return "—";
    if (value === true) return _("Yes");
    if (value === false) return _("No");
    return String(value).replace("T", " ");
  }

  function computeTables(root, spec, fields, stored) {
    for (const [key, table] of Object.entries(spec.tables)) {
      const field = fields[key];
      if (!table.computed.length || field.access !== "edit") continue;
      const rows = root.querySelector(`[data-oa-table="${key}"]`).tBodies[0].rows;
      const columns = Object.fromEntries(field.columns.map((column) => [column.key, column]));
      stored[key].forEach((row, index) => {
        for (const item of table.computed) {
          const names = OAExpression.expressionValues(field.columns, row);
          const value = OAExpression.compute(item.expression, names);
          row[item.key] = OAExpression.toStored(columns[item.key], value);
          const output = rows[index].querySelector(`[data-oa-computed-cell="${item.key}"]`);
          if (output) output.textContent = show(row[item.key]);
        }
      });
    }
  }

  function computeFields(root, spec, fields, stored) {
    for (const item of spec.computed) {
      const names = OAExpression.expressionValues(spec.fields, stored);
      stored[item.key] = OAExpression.toStored(
        fields[item.key],
        OAExpression.compute(item.expression, names),
      );
      const output = root.querySelector(`[data-oa-computed="${item.key}"]`);
      if (output) output.textContent = show(stored[item.key]);
    }
  }

  function applyVisibility(root, spec, stored) {
    const names = OAExpression.expressionValues(spec.fields, stored);
    for (const [key, ast] of Object.entries(spec.visible_if)) {
      const group = root.querySelector(`[data-oa-field="${key}"]`);
      if (!group) continue;
      const shown = OAExpression.holds(ast, names);
      group.classList.toggle("hidden", !shown);
      // Hidden inputs are not sent (the server clears them) and do not block submission.
      for (const input of group.querySelectorAll("input, select, textarea, button")) {
        input.disabled = !shown;
      }
    }
  }

  function refresh(root, spec, fields, start) {
    const stored = collect(root, spec, start);
    computeTables(root, spec, fields, stored);
    computeFields(root, spec, fields, stored);
    applyVisibility(root, spec, stored);
    root.querySelectorAll("table[data-oa-table]").forEach(updateRowButtons);
  }

  // Table rows -----------------------------------------------------------------------------

  function renumber(table, key) {
    const pattern = new RegExp(`^${key}-(\\d+|__index__)-`);
    // The people picker's box names its control and list by their ids: renamed with them.
    const attributes = ["name", "id", "for", "data-oa-people-for", "aria-controls"];
    const selector = attributes.map((attribute) => `[${attribute}]`).join(", ");
    Array.from(table.tBodies[0].rows).forEach((row, index) => {
      for (const element of row.querySelectorAll(selector)) {
        for (const attribute of attributes) {
          const value = element.getAttribute(attribute);
          if (value && pattern.test(value)) {
            element.setAttribute(attribute, value.replace(pattern, `${key}-${index}-`));
          }
        }
      }
    });
  }

  function updateRowButtons(table) {
    const count = table.tBodies[0].rows.length;
    const min = Number(table.dataset.oaMinRows || 0);
    const max = Number(table.dataset.oaMaxRows || Infinity);
    for (const button of table.querySelectorAll("[data-oa-remove-row]")) {
      button.disabled = count <= min;
    }
    const add = table.parentElement.querySelector(`[data-oa-add-row="${table.dataset.oaTable}"]`);
    if (add) add.disabled = count >= max;
  }

  function addRow(root, key) {
    const table = root.querySelector(`[data-oa-table="${key}"]`);
    const template = root.querySelector(`template[data-oa-row-template="${key}"]`);
    if (!table || !template) return;
    if (table.tBodies[0].rows.length >= Number(table.dataset.oaMaxRows || Infinity)) return;
    table.tBodies[0].appendChild(template.content.cloneNode(true));
    renumber(table, key);
    // A new row's user fields get the people picker, as the rows drawn by the server did.
    if (window.oaPeoplePicker) window.oaPeoplePicker.enhanceAll(table.tBodies[0].lastElementChild);
    updateRowButtons(table);
  }

  function removeRow(button) {
    const row = button.closest("tr[data-oa-row]");
    const table = button.closest("table[data-oa-table]");
    if (!row || !table) return;
    if (table.tBodies[0].rows.length <= Number(table.dataset.oaMinRows || 0)) return;
    row.remove();
    renumber(table, table.dataset.oaTable);
    updateRowButtons(table);
  }

  // Rich text ---------------------------------------------------------------------------

  function syncRichText(editor) {
    const group = editor.closest("[data-oa-rich]");
    const source = group && group.querySelector("[data-oa-rich-source]");
    if (source) source.value = editor.innerHTML;
  }

  function runCommand(button) {
    const group = button.closest("[data-oa-rich]");
    const editor = group.querySelector("[data-oa-rich-editor]");
    const command = button.dataset.oaCommand;
    editor.focus();
    if (command === "createLink") {
      const url = window.prompt(_("Link address (https://…)"), "https://");
      // The server keeps http, https and mailto links only; refuse the rest here too.
      if (!url || !/^(https?:|mailto:)/i.test(url.trim())) return;
      document.execCommand("createLink", false, url.trim());
    } else {
      document.execCommand(command, false, null);
    }
    syncRichText(editor);
  }

  // Wiring -------------------------------------------------------------------------------

  function init(root) {
    const spec = readJson(root, "data-oa-spec");
    const start = readJson(root, "data-oa-values") || {};
    if (!spec || !window.OAExpression) return;
    const fields = Object.fromEntries(spec.fields.map((field) => [field.key, field]));
    const update = () => refresh(root, spec, fields, start);

    root.addEventListener("input", (event) => {
      if (event.target.matches("[data-oa-rich-editor]")) syncRichText(event.target);
      update();
    });
    root.addEventListener("change", update);
    root.addEventListener("click", (event) => {
      const add = event.target.closest("[data-oa-add-row]");
      const remove = event.target.closest("[data-oa-remove-row]");
      const command = event.target.closest("[data-oa-command]");
      if (add) addRow(root, add.dataset.oaAddRow);
      else if (remove) removeRow(remove);
      else if (command) runCommand(command);
      else return;
      event.preventDefault();
      update();
    });
    const form = root.closest("form");
    if (form) {
      form.addEventListener("submit", () => {
        root.querySelectorAll("[data-oa-rich-editor]").forEach(syncRichText);
      });
    }
    update();
    root.dataset.oaReady = ""; // listening: what is typed from now on updates the form live
  }

  function start() {
    document.querySelectorAll("[data-oa-form]").forEach(init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
