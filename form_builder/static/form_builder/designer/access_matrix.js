// The field-access matrix: fields down, the nodes that show the form across (the start node
// and the task nodes), each cell edit / read / hidden. "Default" leaves the node's entry out:
// the start node edits every field, other nodes read them (docs/definition-format.md).

import { fill, h } from "./dom.js";
import { box } from "./problems.js";
import { isEditable } from "./field_types.js";
import { shown } from "./texts.js";

const _ = window.oaI18n.gettext;
const pgettext = window.oaI18n.pgettext;

// "Read" alone is the inbox's 已读 (has been read); here it is 只读 (may only read).
const LEVELS = [["edit", _("Edit")], ["read", pgettext("field access", "Read")], ["hidden", _("Hidden")]];

export function mountAccessMatrix(element, store) {
  const draw = () => drawMatrix(element, store);
  store.subscribe(({ origin }) => {
    if (origin !== "access") draw();
  });
  draw();
}

function drawMatrix(element, store) {
  const nodes = store.doc.nodes.filter((node) => {
    const type = store.nodeType(node);
    return type && (type.kind === "start" || type.needs_assignee);
  });
  const fields = store.doc.fields;
  if (!fields.length || !nodes.length) {
    fill(element, h("p", { class: "text-muted" }, _("Add fields and nodes first.")));
    return;
  }
  fill(
    element,
    h("div", { class: "table-responsive" }, h(
      "table",
      { class: "table table-condensed table-bordered oa-access", id: "access-matrix" },
      h("thead", {}, h("tr", {}, h("th", {}, _("Field")), nodes.map((node) => h("th", { dataset: { oaNode: node.id } }, shown(node.name))))),
      h("tbody", {}, fields.map((field) => h(
        "tr",
        { dataset: { oaField: field.key } },
        h("th", {}, shown(field.label), " ", h("code", { class: "small" }, field.key)),
        nodes.map((node) => h("td", {}, cell(store, node, field))),
      ))),
    )),
    nodes.map((node) => box(`$.nodes[${store.doc.nodes.indexOf(node)}].field_access`)),
  );
}

function cell(store, node, field) {
  const base = (store.nodeType(node) || {}).kind === "start" && isEditable(field.type) ? "edit" : "read";
  const current = (node.field_access || {})[field.key] || "";
  return h(
    "select",
    {
      class: "form-control input-sm",
      "aria-label": `${shown(field.label)} at ${shown(node.name)}`,
      dataset: { oaAccess: `${field.key}@${node.id}` },
      onChange: (event) => {
        const access = node.field_access || (node.field_access = {});
        if (event.target.value) access[field.key] = event.target.value;
        else delete access[field.key];
        if (!Object.keys(access).length) delete node.field_access;
        store.changed("access");
      },
    },
    h("option", { value: "" }, _("Default (%(level)s)", { level: base })),
    LEVELS.map(([value, label]) =>
      h("option", { value, selected: current === value, disabled: value === "edit" && !isEditable(field.type) }, label),
    ),
  );
}
