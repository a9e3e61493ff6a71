// The form designer's palette and canvas: drag a field type onto the canvas (HTML5 drag and
// drop; a click adds at the end too), drag fields to reorder, click one to configure it.
// The canvas lays fields out in rows of 1-3 as the renderer does.

import { fill, h } from "./dom.js";
import { fieldTypes, layoutRows, newField, takes, typeIcon, typeLabel } from "./field_types.js";
import { box } from "./problems.js";
import { slug, uniqueId } from "./state.js";
import { shown } from "./texts.js";

const _ = window.oaI18n.gettext;

const NEW_TYPE = "application/x-oa-field-type";
const MOVE = "application/x-oa-field-index";

export function mountPalette(element, store) {
  // The server's types grouped by category, each group where its first type ranks.
  const groups = new Map();
  for (const entry of fieldTypes()) {
    if (!groups.has(entry.category)) groups.set(entry.category, []);
    groups.get(entry.category).push(entry);
  }
  fill(
    element,
    h("p", { class: "text-muted small" }, _("Drag a field onto the form, or click to add it at the end.")),
    h(
      "div",
      { class: "list-group oa-palette", id: "field-palette" },
      [...groups].map(([category, entries]) => [
        h("div", { class: "list-group-item oa-palette-category" }, category),
        entries.map((entry) => paletteItem(store, entry)),
      ]),
    ),
  );
}

function paletteItem(store, entry) {
  return h(
    "button",
    {
      type: "button",
      class: "list-group-item oa-palette-item",
      draggable: "true",
      dataset: { oaFieldType: entry.name },
      onDragstart: (event) => {
        event.dataTransfer.setData(NEW_TYPE, entry.name);
        event.dataTransfer.effectAllowed = "copy";
      },
      onClick: () => addField(store, entry.name, store.doc.fields.length),
    },
    h("i", { class: `fa fa-fw ${entry.icon}`, "aria-hidden": "true" }),
    " ",
    entry.label,
  );
}

function addField(store, type, index) {
  const key = uniqueId(slug(typeLabel(type)), store.fieldKeys(), "field");
  const field = newField(type, key);
  store.autoKeys.add(field);
  store.doc.fields.splice(index, 0, field);
  store.selectedField = index;
  store.changed("canvas", { structure: true });
  // A type named in Chinese (the page in Chinese) gives a pinyin key: "金额" -> "jin_e".
  store.followLabel(field, typeLabel(type), (base) => {
    if (!base || base === slug(typeLabel(type))) return;
    store.renameField(field, uniqueId(base, store.fieldKeys(field), "field"));
    store.changed(null, { structure: true });
  });
}

export function mountCanvas(element, store) {
  const draw = () => drawCanvas(element, store);
  element.addEventListener("dragover", (event) => {
    const types = event.dataTransfer.types;
    if (types.includes(NEW_TYPE) || types.includes(MOVE)) {
      event.preventDefault();
      element.classList.add("oa-drop-target");
    }
  });
  element.addEventListener("dragleave", (event) => {
    if (!element.contains(event.relatedTarget)) element.classList.remove("oa-drop-target");
  });
  element.addEventListener("drop", (event) => {
    element.classList.remove("oa-drop-target");
    const index = dropIndex(element, event, store.doc.fields.length);
    const type = event.dataTransfer.getData(NEW_TYPE);
    const moved = event.dataTransfer.getData(MOVE);
    event.preventDefault();
    if (type) addField(store, type, index);
    else if (moved !== "") {
      store.moveField(Number(moved), index);
      store.changed("canvas", { structure: true });
    }
  });
  store.subscribe(draw);
  draw();
}

/** Where a drop lands: before or after the field card under the pointer. */
function dropIndex(canvas, event, count) {
  const card = event.target.closest("[data-oa-field-index]");
  if (!card || !canvas.contains(card)) return count;
  const index = Number(card.dataset.oaFieldIndex);
  const rect = card.getBoundingClientRect();
  const wide = rect.width > canvas.getBoundingClientRect().width * 0.6;
  const after = wide ? event.clientY > rect.top + rect.height / 2 : event.clientX > rect.left + rect.width / 2;
  return after ? index + 1 : index;
}

function drawCanvas(element, store) {
  const fields = store.doc.fields;
  if (!fields.length) {
    fill(element, h("p", { class: "oa-canvas-empty text-muted" }, _("Drop fields here.")));
    return;
  }
  fill(
    element,
    layoutRows(fields).map((row) =>
      h("div", { class: "oa-canvas-row" }, row.map(({ field, index, width }) => card(store, field, index, width))),
    ),
  );
}

function card(store, field, index, width) {
  const selected = store.selectedField === index;
  return h(
    "div",
    {
      class: `oa-field-card oa-width-${width}${selected ? " oa-selected" : ""}`,
      draggable: "true",
      tabindex: "0",
      role: "button",
      "aria-pressed": selected ? "true" : "false",
      dataset: { oaFieldIndex: String(index), oaFieldKey: field.key },
      onDragstart: (event) => {
        event.dataTransfer.setData(MOVE, String(index));
        event.dataTransfer.effectAllowed = "move";
      },
      onClick: () => {
        store.selectedField = index;
        store.changed("canvas");
      },
      onKeydown: (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          store.selectedField = index;
          store.changed("canvas");
        }
      },
    },
    h(
      "div",
      { class: "oa-field-card-head" },
      h("i", { class: `fa fa-fw ${typeIcon(field.type)}`, "aria-hidden": "true" }),
      " ",
      h("strong", {}, shown(field.label) || _("(no label)")),
      field.required ? h("span", { class: "text-danger" }, " *") : null,
    ),
    h(
      "div",
      { class: "small text-muted" },
      h("code", {}, field.key),
      ` · ${typeLabel(field.type)}`,
      field.visible_if ? " · shown if…" : null,
      takes(field.type, "columns") ? ` · ${(field.columns || []).length} columns` : null,
    ),
    box(`$.fields[${index}]`),
  );
}
