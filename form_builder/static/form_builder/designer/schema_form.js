// A node type's configuration form, generated from its JSON Schema (plugins/contract.py,
// `config_schema`), and the same for a field type's members the designer has no editor of
// its own for (plugins/field_contract.py, `members`): a drop-down for enumerations, a
// checkbox for booleans, number inputs for numbers, text for strings. Rules a form cannot
// show (if/then, patterns) are left to the server's check, whose messages appear under it.

import { group, h } from "./dom.js";
import { setMember } from "./inputs.js";

const _ = window.oaI18n.gettext;

/** Inputs for ``node.config`` by ``schema``; ``changed()`` after every edit. */
export function configForm(node, schema, changed) {
  const properties = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  const names = Object.keys(properties);
  if (!names.length) return null;
  const config = () => node.config || (node.config = {});
  const tidy = () => {
    if (node.config && !Object.keys(node.config).length) delete node.config;
    changed();
  };
  return h(
    "fieldset",
    { class: "oa-config" },
    h("legend", { class: "small" }, _("Settings of this node type")),
    names.map((name) => {
      const property = properties[name];
      // The server gives members a title and values labels in the page's language
      // (designer/document.py); the member's name is the last resort.
      const label = `${property.title || humanize(name)}${required.has(name) ? " *" : ""}`;
      const attrs = { name: `config.${name}`, dataset: { oaConfig: name } };
      return group(label, control(name, property, node.config || {}, config, tidy, attrs), property.description);
    }),
  );
}

/** Inputs for the members ``names`` of field ``spec``, by their ``schemas``; ``labels`` are
 * the type's labels of enumerated values ({member: {value: label}}). */
export function memberForm(spec, names, schemas, labels, changed) {
  if (!names.length) return null;
  return names.map((name) => {
    const property = { ...schemas[name], labels: labels[name] };
    const attrs = { name, dataset: { oaMember: name } };
    return group(humanize(name), control(name, property, spec, () => spec, changed, attrs), property.description);
  });
}

function control(name, property, current, config, tidy, named) {
  const attrs = { class: "form-control input-sm", ...named };
  if (Array.isArray(property.enum)) {
    const labelOf = (value) => (property.labels || {})[value] ?? String(value);
    const unset = property.default !== undefined ? _("Not set (default: %(value)s)", { value: labelOf(property.default) }) : _("Not set");
    return h(
      "select",
      { ...attrs, onChange: (e) => { setMember(config(), name, e.target.value === "" ? null : parseEnum(property.enum, e.target.value)); tidy(); } },
      h("option", { value: "" }, unset),
      property.enum.map((value) =>
        h("option", { value: String(value), selected: current[name] === value }, labelOf(value)),
      ),
    );
  }
  if (property.type === "boolean") {
    const toggle = (e) => {
      setMember(config(), name, e.target.checked ? true : null);
      tidy();
    };
    return h("input", { type: "checkbox", name: attrs.name, checked: current[name] === true, onChange: toggle });
  }
  if (property.type === "integer" || property.type === "number") {
    return h("input", {
      ...attrs,
      type: "number",
      step: property.type === "integer" ? "1" : "any",
      min: property.minimum,
      max: property.maximum,
      value: current[name] ?? "",
      onInput: (e) => { setMember(config(), name, e.target.value === "" ? null : Number(e.target.value)); tidy(); },
    });
  }
  const long = (property.maxLength || 0) > 500;
  return h(long ? "textarea" : "input", {
    ...attrs,
    type: long ? null : "text",
    rows: long ? 3 : null,
    value: current[name] ?? "",
    onInput: (e) => { setMember(config(), name, e.target.value); tidy(); },
  });
}

function parseEnum(values, text) {
  return values.find((value) => String(value) === text);
}

function humanize(name) {
  const words = name.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
