// Small DOM helpers for the designer. Text always goes in as text nodes (never as HTML), so
// labels, names and messages typed by people are shown, never run.

/**
 * h("button", {class: "btn", onClick: fn, dataset: {oaNode: "x"}}, "Label", child...)
 * Attributes: class, text, dataset, value, checked, disabled, selected, on<Event> handlers;
 * anything else is set with setAttribute. Children: nodes, strings, arrays, null (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "text") element.textContent = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (["value", "checked", "disabled", "selected", "multiple"].includes(name)) element[name] = value;
    else if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's content with ``children``. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A Bootstrap form group: label, control, optional help. */
export function group(label, control, help) {
  const id = control.id || `oa-d-${Math.random().toString(36).slice(2, 10)}`;
  if (!control.id && control.matches("input, select, textarea")) control.id = id;
  return h(
    "div",
    { class: "form-group form-group-sm" },
    h("label", { class: "control-label", for: control.id || null }, label),
    control,
    help ? h("p", { class: "help-block" }, help) : null,
  );
}

/** A <select> of [value, label] pairs with ``current`` selected. */
export function select(options, current, attrs = {}) {
  return h(
    "select",
    { class: "form-control input-sm", ...attrs },
    options.map(([value, label]) => h("option", { value, selected: value === current }, label)),
  );
}

/** Call ``fn`` once input has paused for ``ms`` milliseconds. */
export function debounce(fn, ms) {
  let timer = null;
  const later = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  later.cancel = () => clearTimeout(timer);
  return later;
}
