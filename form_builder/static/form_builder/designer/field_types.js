// The field types of the definition format as the server's registry describes them
// (plugins/field_types/, one module a type; form_builder/designer/document.py,
// field_type_palette): the palette, the members each type takes, what a new field starts with.
// main.js installs them from the page's boot data before any view is drawn, so a plugin's
// field type is offered like a built-in one.

const WIDTH_COLUMNS = { full: 12, half: 6, third: 4 };
let types = [];
const byName = new Map();

/** Install the palette the server sent (``boot.fieldTypes``), in its order. */
export function installFieldTypes(entries) {
  types = entries;
  byName.clear();
  for (const entry of entries) byName.set(entry.name, entry);
}

/** Every installed field type, in palette order. */
export function fieldTypes() {
  return types;
}

/** The type named ``type`` (null for one not installed). */
export function fieldType(type) {
  return byName.get(type) || null;
}

/** The types a table column may have. */
export function columnTypes() {
  return types.filter((entry) => entry.column).map((entry) => entry.name);
}

export function typeLabel(type) {
  const found = fieldType(type);
  return found ? found.label : type;
}

export function typeIcon(type) {
  const found = fieldType(type);
  return found ? found.icon : "fa-square-o";
}

/** Whether fields of ``type`` take ``member`` (beyond the ones every field has). */
export function takes(type, member) {
  const found = fieldType(type);
  return Boolean(found && member in found.members);
}

/** Whether a node may edit fields of ``type`` (computed fields and sections: no). */
export function isEditable(type) {
  const found = fieldType(type);
  return !found || found.editable;
}

/** Whether fields of ``type`` take ``required`` (computed fields and sections: no). */
export function takesRequired(type) {
  const found = fieldType(type);
  return !found || !found.refused_members.includes("required");
}

/** Whether fields of ``type`` pick users or departments (an assignee rule may name them). */
export function isPicker(type) {
  const found = fieldType(type);
  return Boolean(found && found.directory_source);
}

/** Whether fields of ``type`` always take a whole row (containers: sections, tables). */
export function fullWidth(type) {
  const found = fieldType(type);
  return Boolean(found && found.container);
}

/** A new field or column of ``type`` with ``key``: the members its type requires. */
export function newField(type, key) {
  const found = fieldType(type);
  return { key, type, label: typeLabel(type), ...structuredClone(found ? found.new_field : {}) };
}

/** The fields in rows of 1-3 by width, as the renderer lays them out (compiler.layout_rows). */
export function layoutRows(fields) {
  const rows = [];
  let current = [];
  let used = 0;
  fields.forEach((field, index) => {
    const width = fullWidth(field.type) ? 12 : WIDTH_COLUMNS[field.width || "full"] || 12;
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
