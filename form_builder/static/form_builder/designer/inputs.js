// Inputs bound to a member of a document element: typing changes the member at once, and an
// emptied input removes it (the format's optional members are absent, never empty).

import { h, select } from "./dom.js";

export function setMember(target, name, value) {
  if (value === "" || value === null || value === undefined || Number.isNaN(value)) delete target[name];
  else target[name] = value;
}

/** A text input (or ``tag: "textarea"``) for ``target[name]``; ``after(value)`` runs on input. */
export function textFor(target, name, after, attrs = {}) {
  const { tag = "input", ...rest } = attrs;
  return h(tag, {
    class: "form-control input-sm",
    type: tag === "input" ? "text" : null,
    value: target[name] ?? "",
    dataset: { oaMember: name },
    onInput: (event) => {
      setMember(target, name, event.target.value);
      after(event.target.value);
    },
    ...rest,
  });
}

/** A number input for ``target[name]`` (whole numbers with ``integer``). */
export function numberFor(target, name, after, { integer = false, ...attrs } = {}) {
  return h("input", {
    class: "form-control input-sm",
    type: "number",
    step: integer ? "1" : "any",
    value: target[name] ?? "",
    dataset: { oaMember: name },
    onInput: (event) => {
      const text = event.target.value.trim();
      setMember(target, name, text === "" ? null : Number(text));
      after();
    },
    ...attrs,
  });
}

/** A checkbox for a boolean member that is absent when false. */
export function checkFor(target, name, label, after) {
  return h(
    "div",
    { class: "checkbox" },
    h(
      "label",
      {},
      h("input", {
        type: "checkbox",
        checked: Boolean(target[name]),
        dataset: { oaMember: name },
        onChange: (event) => {
          setMember(target, name, event.target.checked ? true : null);
          after();
        },
      }),
      ` ${label}`,
    ),
  );
}

/** A select for ``target[name]``; the choice "" removes the member. */
export function selectFor(target, name, options, after, attrs = {}) {
  return select(options, target[name] ?? "", {
    dataset: { oaMember: name },
    onChange: (event) => {
      setMember(target, name, event.target.value);
      after(event.target.value);
    },
    ...attrs,
  });
}
