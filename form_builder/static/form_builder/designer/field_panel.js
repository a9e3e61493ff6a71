// The side panel that configures the selected field: label, key (generated from the label
// until edited), help, required, width, visibility condition, the type's own members, default,
// and a table's columns (each configured with the same editor). What a type takes comes from
// the server (field_types.js): the members of the format have editors here, a plugin type's
// other members get inputs generated from their JSON Schemas.

import { fill, group, h, select } from "./dom.js";
import { columnTypes, fieldType, fullWidth, newField, takes, takesRequired, typeLabel } from "./field_types.js";
import { checkFor, numberFor, selectFor, setMember, textFor } from "./inputs.js";
import { bilingualFor, shown } from "./texts.js";
import { box } from "./problems.js";
import { memberForm } from "./schema_form.js";
import { slug, uniqueId } from "./state.js";

const _ = window.oaI18n.gettext;

const ORIGIN = "field-panel";
// The kinds of default (docs/definition-format.md, "Defaults"), offered as a type takes them.
const DEFAULT_KINDS = [
  ["literal", _("A fixed value")],
  ["current_user", _("The person filling in the form")],
  ["current_department", _("Their department")],
  ["today", _("Today")],
  ["now", _("Now")],
];

export function mountFieldPanel(element, store) {
  const openColumns = new WeakMap(); // table field -> index of the column being edited
  const draw = () => {
    const index = store.selectedField;
    const field = index === null ? null : store.doc.fields[index];
    if (!field) {
      fill(element, h("p", { class: "text-muted" }, _("Select a field on the form to configure it.")));
      return;
    }
    const context = {
      store,
      path: `$.fields[${index}]`,
      column: false,
      siblings: () => store.fieldKeys(field),
      rename: (key) => store.renameField(field, key, { origin: ORIGIN }),
      redraw: draw,
      openColumns,
    };
    fill(
      element,
      h("h4", {}, _("%(type)s field", { type: typeLabel(field.type) })),
      editor(field, context),
      h(
        "div",
        { class: "btn-group btn-group-sm oa-field-move", role: "group", "aria-label": _("Move the field") },
        moveButton(store, index, -1, "fa-arrow-up", _("Move up")),
        moveButton(store, index, 1, "fa-arrow-down", _("Move down")),
      ),
      " ",
      h(
        "button",
        {
          type: "button",
          class: "btn btn-danger btn-sm",
          id: "field-remove",
          onClick: () => {
            store.removeField(index);
            store.changed(null, { structure: true });
          },
        },
        h("i", { class: "fa fa-trash", "aria-hidden": "true" }),
        " ", _("Remove field"),
      ),
    );
  };
  store.subscribe(({ origin }) => {
    if (origin !== ORIGIN) draw();
  });
  draw();
}

/** Reorder without a mouse: the same move as dragging the card one place up or down. */
function moveButton(store, index, step, icon, label) {
  const target = index + step;
  return h(
    "button",
    {
      type: "button",
      class: "btn btn-default",
      disabled: target < 0 || target >= store.doc.fields.length,
      "aria-label": label,
      title: label,
      onClick: () => {
        store.moveField(index, step < 0 ? target : target + 1);
        store.changed(null, { structure: true });
      },
    },
    h("i", { class: `fa ${icon}`, "aria-hidden": "true" }),
  );
}

function editor(spec, context) {
  const { store, path } = context;
  const changed = () => store.changed(ORIGIN);
  // Not bound with textFor: the server renames what names the field (store.renameField).
  const keyInput = h("input", {
    class: "form-control input-sm",
    name: "key",
    spellcheck: "false",
    value: spec.key,
    onInput: (event) => {
      store.autoKeys.delete(spec);
      context.rename(event.target.value);
      changed();
    },
  });
  const labelInput = bilingualFor(spec, "label", (value) => {
    if (store.autoKeys.has(spec)) {
      store.followLabel(spec, value, (base) => {
        const key = uniqueId(base, context.siblings(), context.column ? "column" : "field");
        context.rename(key);
        keyInput.value = key;
        changed();
      });
    } else changed();
  }, { name: "label" });
  const parts = [
    box(path, [".key", ".visible_if", ".options", ".default", ".expression", ".columns"]),
    group(_("Label"), labelInput),
    group(_("Key"), keyInput, _("Stored values and expressions use it: lower case letters, digits and _.")),
    box(`${path}.key`),
  ];
  if (takesRequired(spec.type)) parts.push(checkFor(spec, "required", _("Required"), changed));
  if (!context.column && !fullWidth(spec.type)) {
    const widths = [["", _("Full row")], ["half", _("Half a row (2 per row)")], ["third", "A third of a row (3 per row)"]];
    parts.push(group(_("Width"), selectFor(spec, "width", widths, changed, { name: "width" })));
  }
  parts.push(group(_("Help text"), bilingualFor(spec, "help", changed, { tag: "textarea", rows: 2, name: "help" })));
  if (!context.column) {
    parts.push(
      group(
        _("Shown only if"),
        textFor(spec, "visible_if", changed, { name: "visible_if", spellcheck: "false", placeholder: _('e.g. leave_type == "sick"') }),
        _("A condition over other fields; empty: always shown. Checked as you type."),
      ),
      box(`${path}.visible_if`),
    );
  }
  parts.push(...typeSettings(spec, context, changed));
  const kinds = (fieldType(spec.type) || {}).default_kinds || [];
  if (kinds.length) parts.push(defaultEditor(spec, kinds, context, changed));
  return h("div", { class: "oa-field-editor", dataset: { oaEditor: path } }, parts);
}

// The editors of the format's members, in panel order; each is drawn for a type that takes
// all its members.
const EDITORS = [
  { members: ["options"], draw: (spec, context, changed) => [optionsEditor(spec, context, changed)] },
  {
    members: ["min", "max"],
    draw: (spec, context, changed) => [
      pair(group(_("Minimum"), numberFor(spec, "min", changed, { name: "min" })), group(_("Maximum"), numberFor(spec, "max", changed, { name: "max" }))),
    ],
  },
  {
    members: ["decimals"],
    draw: (spec, context, changed) => [group(_("Decimal places"), numberFor(spec, "decimals", changed, { integer: true, min: 0, max: 6, name: "decimals" }))],
  },
  {
    members: ["min_length", "max_length"],
    draw: (spec, context, changed) => [
      pair(
        group(_("Shortest"), numberFor(spec, "min_length", changed, { integer: true, min: 0, name: "min_length" })),
        group(_("Longest"), numberFor(spec, "max_length", changed, { integer: true, min: 1, name: "max_length" })),
      ),
    ],
  },
  {
    members: ["pattern"],
    draw: (spec, context, changed) => [
      group(_("Pattern"), textFor(spec, "pattern", changed, { name: "pattern", spellcheck: "false" }), "A regular expression the whole value must match."),
    ],
  },
  {
    members: ["expression", "result"],
    draw: (spec, context, changed) => [
      group(_("Expression"), textFor(spec, "expression", changed, { name: "expression", spellcheck: "false" }), _("e.g. days_between(start_date, end_date) + 1")),
      box(`${context.path}.expression`),
      group(_("Result"), selectFor(spec, "result", choices(spec, "result"), changed, { name: "result" })),
    ],
  },
  {
    members: ["max_files", "max_size_mb", "accept"],
    draw: (spec, context, changed) => [
      pair(
        group(_("Most files"), numberFor(spec, "max_files", changed, { integer: true, min: 1, max: 20, name: "max_files" })),
        group(_("Largest file (MB)"), numberFor(spec, "max_size_mb", changed, { min: 1, max: 100, name: "max_size_mb" })),
      ),
      acceptEditor(spec, changed),
    ],
  },
  {
    members: ["min_rows", "max_rows", "columns"],
    draw: (spec, context, changed) => [
      pair(
        group(_("Fewest rows"), numberFor(spec, "min_rows", changed, { integer: true, min: 0, name: "min_rows" })),
        group(_("Most rows"), numberFor(spec, "max_rows", changed, { integer: true, min: 1, max: 500, name: "max_rows" })),
      ),
      columnsEditor(spec, context, changed),
    ],
  },
];

function pair(...controls) {
  return h("div", { class: "oa-pair" }, controls);
}

/** [value, label] pairs of an enumerated member, labelled as the type labels them. */
function choices(spec, member) {
  const type = fieldType(spec.type);
  const labels = (type.value_labels || {})[member] || {};
  return (type.members[member].enum || []).map((value) => [value, labels[value] ?? String(value)]);
}

function typeSettings(spec, context, changed) {
  const type = fieldType(spec.type);
  if (!type) return [];
  const parts = [];
  const covered = new Set();
  for (const editor of EDITORS) {
    if (editor.members.every((member) => takes(spec.type, member))) {
      parts.push(...editor.draw(spec, context, changed));
      editor.members.forEach((member) => covered.add(member));
    }
  }
  const others = Object.keys(type.members).filter((member) => !covered.has(member));
  const generated = memberForm(spec, others, type.members, type.value_labels || {}, changed);
  if (generated) parts.push(...generated);
  return parts;
}

function optionsEditor(spec, context, changed) {
  const { store } = context;
  const rows = spec.options.map((option, index) => {
    const value = textFor(option, "value", () => {
      store.autoKeys.delete(option);
      changed();
    }, { "aria-label": `Option ${index + 1} value`, dataset: { oaOptionValue: String(index) } });
    const label = bilingualFor(option, "label", (text) => {
      if (store.autoKeys.has(option)) {
        store.followLabel(option, text, (base) => {
          option.value = base || option.value;
          value.value = option.value;
          changed();
        });
      } else changed();
    }, { dataset: { oaOptionLabel: String(index) } });
    return h(
      "tr",
      {},
      h("td", {}, label),
      h("td", {}, value),
      h("td", {}, h("button", {
        type: "button",
        class: "btn btn-link btn-xs",
        "aria-label": _("Remove option"),
        onClick: () => {
          spec.options.splice(index, 1);
          context.redraw();
          changed();
        },
      }, h("i", { class: "fa fa-times", "aria-hidden": "true" }))),
    );
  });
  return h(
    "div",
    { class: "form-group form-group-sm oa-options" },
    h("label", { class: "control-label" }, _("Options")),
    h(
      "table",
      { class: "table table-condensed" },
      h("thead", {}, h("tr", {}, h("th", {}, _("Label")), h("th", {}, _("Stored value")), h("th"))),
      h("tbody", {}, rows),
    ),
    h("button", {
      type: "button",
      class: "btn btn-default btn-xs",
      id: "option-add",
      onClick: () => {
        const taken = new Set(spec.options.map((option) => option.value));
        const option = { value: uniqueId("option", taken, "option"), label: `Option ${spec.options.length + 1}` };
        store.autoKeys.add(option);
        spec.options.push(option);
        context.redraw();
        changed();
      },
    }, h("i", { class: "fa fa-plus", "aria-hidden": "true" }), " ", _("Add option")),
    box(`${context.path}.options`),
  );
}

function acceptEditor(spec, changed) {
  const fileTypes = fieldType(spec.type).members.accept.items.enum;
  const chosen = new Set(spec.accept || []);
  return h(
    "div",
    { class: "form-group form-group-sm" },
    h("label", { class: "control-label" }, _("File types (none ticked: the usual office and image types)")),
    h("div", {}, fileTypes.map((ext) =>
      h("label", { class: "checkbox-inline" }, h("input", {
        type: "checkbox",
        checked: chosen.has(ext),
        onChange: (event) => {
          if (event.target.checked) chosen.add(ext);
          else chosen.delete(ext);
          setMember(spec, "accept", chosen.size ? fileTypes.filter((e) => chosen.has(e)) : null);
          changed();
        },
      }), ` ${ext}`),
    )),
  );
}

function columnsEditor(table, context, changed) {
  const { store, openColumns } = context;
  const open = openColumns.get(table) ?? null;
  const columns = table.columns;
  const move = (from, to) => {
    const [column] = columns.splice(from, 1);
    columns.splice(to, 0, column);
    openColumns.set(table, to);
    context.redraw();
    changed();
  };
  const rows = columns.map((column, index) =>
    h(
      "li",
      { class: `list-group-item${index === open ? " active" : ""}`, dataset: { oaColumn: column.key } },
      h("a", {
        href: "#",
        class: "oa-column-open",
        onClick: (event) => {
          event.preventDefault();
          openColumns.set(table, index === open ? null : index);
          context.redraw();
        },
      }, `${shown(column.label)} `, h("code", {}, column.key), ` · ${typeLabel(column.type)}`),
      h("span", { class: "pull-right" },
        index > 0
          ? h(
              "button",
              { type: "button", class: "btn btn-link btn-xs", "aria-label": _("Move up"), onClick: () => move(index, index - 1) },
              h("i", { class: "fa fa-arrow-up", "aria-hidden": "true" }),
            )
          : null,
        h("button", {
          type: "button",
          class: "btn btn-link btn-xs",
          "aria-label": _("Remove column"),
          onClick: () => {
            columns.splice(index, 1);
            openColumns.set(table, null);
            context.redraw();
            changed();
          },
        }, h("i", { class: "fa fa-times", "aria-hidden": "true" })),
      ),
    ),
  );
  const typeChoice = select(columnTypes().map((type) => [type, typeLabel(type)]), "text", { id: "column-type", "aria-label": _("New column type") });
  const parts = [
    h("label", { class: "control-label" }, _("Columns")),
    h("ul", { class: "list-group oa-columns" }, rows),
    h("div", { class: "form-inline oa-column-add" }, typeChoice, " ", h("button", {
      type: "button",
      class: "btn btn-default btn-xs",
      id: "column-add",
      onClick: () => {
        const taken = new Set(columns.map((column) => column.key));
        const column = newField(typeChoice.value, uniqueId(slug(typeLabel(typeChoice.value)), taken, "column"));
        store.autoKeys.add(column);
        columns.push(column);
        openColumns.set(table, columns.length - 1);
        context.redraw();
        changed();
      },
    }, h("i", { class: "fa fa-plus", "aria-hidden": "true" }), " ", _("Add column"))),
    box(`${context.path}.columns`, open === null ? [] : [`[${open}]`]),
  ];
  if (open !== null && columns[open]) {
    const column = columns[open];
    parts.push(h("div", { class: "oa-column-editor well well-sm" }, h("h5", {}, _("Column: %(type)s", { type: typeLabel(column.type) })), editor(column, {
      ...context,
      path: `${context.path}.columns[${open}]`,
      column: true,
      siblings: () => new Set(columns.filter((c) => c !== column).map((c) => c.key)),
      rename: (key) => store.renameField(column, key, { table, origin: ORIGIN }),
    })));
  }
  return h("div", { class: "form-group form-group-sm" }, parts);
}

function defaultEditor(spec, takenKinds, context, changed) {
  const kinds = [["", _("No default")], ...DEFAULT_KINDS.filter(([kind]) => takenKinds.includes(kind))];
  const holder = h("div", { class: "oa-default-value" });
  const drawValue = () => fill(holder, spec.default && spec.default.kind === "literal" ? literalInput(spec, changed) : null);
  const kind = select(kinds, spec.default ? spec.default.kind : "", {
    name: "default_kind",
    onChange: (event) => {
      const chosen = event.target.value;
      if (!chosen) delete spec.default;
      else spec.default = chosen === "literal" ? { kind: chosen, value: initialLiteral(spec) } : { kind: chosen };
      drawValue();
      changed();
    },
  });
  drawValue();
  return h("div", {}, group(_("Default"), kind), holder, box(`${context.path}.default`));
}

// How a fixed default is entered: the type's ``literal_input``.
function literalKind(spec) {
  return (fieldType(spec.type) || {}).literal_input || "text";
}

function initialLiteral(spec) {
  const kind = literalKind(spec);
  if (kind === "boolean") return false;
  if (kind === "number") return 0;
  if (kind === "options") return [];
  if (kind === "option") return spec.options[0] ? spec.options[0].value : "";
  return "";
}

function literalInput(spec, changed) {
  const value = spec.default.value;
  const set = (v) => {
    spec.default.value = v;
    changed();
  };
  const attrs = { class: "form-control input-sm", name: "default_value", "aria-label": _("Default value") };
  const kind = literalKind(spec);
  if (kind === "boolean") {
    const tick = h("input", { type: "checkbox", name: "default_value", checked: value === true, onChange: (e) => set(e.target.checked) });
    return h("div", { class: "checkbox" }, h("label", {}, tick, " ", _("Ticked")));
  }
  if (kind === "option") {
    return select(spec.options.map((o) => [o.value, shown(o.label)]), value, { ...attrs, onChange: (e) => set(e.target.value) });
  }
  if (kind === "options") {
    return h("input", {
      ...attrs,
      type: "text",
      value: (value || []).join(", "),
      placeholder: _("Option values, comma separated"),
      onInput: (e) => set(e.target.value.split(",").map((s) => s.trim()).filter(Boolean)),
    });
  }
  if (kind === "person") {
    // A named person: the people picker (org tree, pinyin search) over a box of the user name.
    const input = h("input", { ...attrs, id: "field-default-value", type: "text", value: value ?? "", onInput: (e) => set(e.target.value.trim()), onChange: (e) => set(e.target.value.trim()) });
    const holder = h("div", {}, input);
    if (window.oaPeoplePicker) window.oaPeoplePicker.enhance(input, { value: "username" });
    return holder;
  }
  if (kind === "number") {
    return h("input", { ...attrs, type: "number", step: "any", value, onInput: (e) => set(e.target.value === "" ? 0 : Number(e.target.value)) });
  }
  const type = { date: "date", datetime: "datetime-local" }[kind] || "text";
  return h("input", { ...attrs, type, value: value ?? "", onInput: (e) => set(e.target.value) });
}
