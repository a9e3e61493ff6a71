// The field types of the definition format (docs/definition-format.md, "Field types") as the
// palette offers them, and what a new field of each type starts with.

export const FIELD_TYPES = [
  { type: "text", label: "Text", icon: "fa-font" },
  { type: "textarea", label: "Paragraph", icon: "fa-align-left" },
  { type: "rich_text", label: "Rich text", icon: "fa-paragraph" },
  { type: "number", label: "Number", icon: "fa-calculator" },
  { type: "money", label: "Money", icon: "fa-money" },
  { type: "date", label: "Date", icon: "fa-calendar" },
  { type: "datetime", label: "Date and time", icon: "fa-clock-o" },
  { type: "select", label: "Drop-down", icon: "fa-caret-square-o-down" },
  { type: "radio", label: "Radio buttons", icon: "fa-dot-circle-o" },
  { type: "multi_select", label: "Checkboxes", icon: "fa-check-square-o" },
  { type: "checkbox", label: "Yes / no", icon: "fa-toggle-on" },
  { type: "user", label: "User", icon: "fa-user" },
  { type: "department", label: "Department", icon: "fa-sitemap" },
  { type: "attachments", label: "Attachments", icon: "fa-paperclip" },
  { type: "table", label: "Table", icon: "fa-table" },
  { type: "computed", label: "Computed", icon: "fa-superscript" },
  { type: "section", label: "Section heading", icon: "fa-header" },
];

export const COLUMN_TYPES = [
  "text", "number", "money", "date", "datetime", "select", "checkbox", "user", "department", "computed",
];

export const CHOICE_TYPES = new Set(["select", "radio", "multi_select"]);
export const ALWAYS_FULL = new Set(["section", "table"]);
export const NO_VALUE = new Set(["section", "computed"]);
const WIDTH_COLUMNS = { full: 12, half: 6, third: 4 };

export function typeLabel(type) {
  const found = FIELD_TYPES.find((entry) => entry.type === type);
  return found ? found.label : type;
}

export function typeIcon(type) {
  const found = FIELD_TYPES.find((entry) => entry.type === type);
  return found ? found.icon : "fa-square-o";
}

/** A new field or column of ``type`` with ``key``: the members its type requires. */
export function newField(type, key) {
  const field = { key, type, label: typeLabel(type) };
  if (CHOICE_TYPES.has(type)) field.options = [{ value: "option_1", label: "Option 1" }];
  if (type === "table") field.columns = [{ key: "column_1", type: "text", label: "Column 1" }];
  if (type === "computed") Object.assign(field, { expression: "0", result: "number" });
  return field;
}

/** The fields in rows of 1-3 by width, as the renderer lays them out (compiler.layout_rows). */
export function layoutRows(fields) {
  const rows = [];
  let current = [];
  let used = 0;
  fields.forEach((field, index) => {
    const width = ALWAYS_FULL.has(field.type) ? 12 : WIDTH_COLUMNS[field.width || "full"] || 12;
    if (current.length && (used + width > 12 || width === 12)) {
      rows.push(current);
      current = [];
      used = 0;
    }
    current.push({ field, index, width });
    used += width;
  });
  if (current.length) rows.push(current);
  return rows;
}
