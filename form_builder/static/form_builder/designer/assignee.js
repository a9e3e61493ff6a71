// Who handles a node: the assignee rules of the definition format, picked from the real
// organisation (users, roles, departments, positions, companies come from the server).

import { fill, group, h, select } from "./dom.js";
import { orgChoices } from "./api.js";
import { isPicker } from "./field_types.js";
import { shown } from "./texts.js";

const _ = window.oaI18n.gettext;

const RULES = [
  ["", _("No one chosen yet")],
  ["department_head", _("Head of the applicant's department")],
  ["leader_in_charge", _("Leader in charge of the applicant's department")],
  ["users", _("Named users")],
  ["role", _("Everyone with a role")],
  ["position", _("Holders of a position")],
  ["field", _("The person or department chosen in a field")],
  ["initiator", _("The applicant")],
];

/** The assignee editor of ``node``; ``changed()`` after every edit. */
export function assigneeEditor(node, store, orgUrl, changed) {
  const details = h("div", { class: "oa-assignee-details" });
  const draw = () => fill(details, node.assignee ? detailsFor(node.assignee, store, orgUrl, changed) : null);
  const rule = select(RULES, node.assignee ? node.assignee.rule : "", {
    id: "assignee-rule",
    onChange: (event) => {
      const chosen = event.target.value;
      if (!chosen) delete node.assignee;
      else node.assignee = starting(chosen, store);
      draw();
      changed();
    },
  });
  draw();
  return h("div", { class: "oa-assignee" }, group(_("Handled by"), rule), details);
}

function starting(rule, store) {
  if (rule === "users") return { rule, users: [] };
  if (rule === "role") return { rule, role: "" };
  if (rule === "position") return { rule, position: "" };
  if (rule === "field") {
    const picker = store.doc.fields.find((f) => isPicker(f.type));
    return { rule, field: picker ? picker.key : "" };
  }
  return { rule };
}

function detailsFor(assignee, store, orgUrl, changed) {
  switch (assignee.rule) {
    case "department_head":
      return group(_("Levels up"), h("input", {
        class: "form-control input-sm",
        type: "number",
        min: 1,
        max: 10,
        id: "assignee-levels",
        value: assignee.levels ?? "",
        placeholder: _("1: the applicant's own department"),
        onInput: (e) => {
          if (e.target.value === "" || Number(e.target.value) === 1) delete assignee.levels;
          else assignee.levels = Number(e.target.value);
          changed();
        },
      }));
    case "users":
      return group(
        _("Users"),
        orgPicker(orgUrl, "users", assignee.users, (values) => {
          assignee.users = values;
          changed();
        }, true),
        window.oaPeoplePicker ? null : _("Hold Ctrl to choose several."),
      );
    case "role":
      return group(_("Role"), orgPicker(orgUrl, "roles", assignee.role, (value) => { assignee.role = value; changed(); }));
    case "position": {
      const scope = "department" in assignee ? "department" : "company" in assignee ? "company" : "";
      const where = h("div");
      const drawWhere = (kind) => {
        if (!kind) return fill(where);
        const picker = orgPicker(orgUrl, kind === "department" ? "departments" : "companies", assignee[kind] || "", (value) => {
          assignee[kind] = value;
          changed();
        });
        return fill(where, group(kind === "department" ? _("Department") : _("Company"), picker));
      };
      drawWhere(scope);
      return h("div", {},
        group(_("Position"), orgPicker(orgUrl, "positions", assignee.position, (value) => { assignee.position = value; changed(); })),
        group(_("Only in"), select([["", _("Anywhere")], ["department", "A department"], ["company", "A company"]], scope, {
          id: "assignee-scope",
          onChange: (e) => {
            delete assignee.department;
            delete assignee.company;
            if (e.target.value) assignee[e.target.value] = "";
            drawWhere(e.target.value);
            changed();
          },
        })),
        where,
      );
    }
    case "field": {
      const pickers = store.doc.fields.filter((f) => isPicker(f.type));
      return group(_("Field"), select([["", _("Choose a user or department field")], ...pickers.map((f) => [f.key, `${shown(f.label)} (${f.key})`])], assignee.field, {
        id: "assignee-field",
        onChange: (e) => { assignee.field = e.target.value; changed(); },
      }));
    }
    default:
      return null;
  }
}

/** A select filled from the org look-up ``kind``; keeps a stored value the org no longer has. */
function orgPicker(orgUrl, kind, current, onPick, multiple = false) {
  const chosen = new Set(multiple ? current || [] : [current]);
  const picker = h("select", {
    class: "form-control input-sm",
    multiple,
    size: multiple ? 6 : null,
    id: `assignee-${kind}`,
    dataset: { oaOrg: kind },
    onChange: (e) => {
      const values = Array.from(e.target.selectedOptions).map((o) => o.value).filter(Boolean);
      onPick(multiple ? values : values[0] || "");
    },
  });
  orgChoices(orgUrl, kind).then((choices) => {
    const known = new Set(choices.map((c) => c.value));
    const missing = [...chosen].filter((v) => v && !known.has(v)).map((v) => ({ value: v, label: _("%(value)s (not found)", { value: v }) }));
    fill(
      picker,
      multiple ? null : h("option", { value: "" }, _("Choose…")),
      [...choices, ...missing].map((c) => h("option", { value: c.value, selected: chosen.has(c.value) }, c.label)),
    );
    // Named users: the people picker (org tree, pinyin search) instead of the long list.
    if (kind === "users" && window.oaPeoplePicker) window.oaPeoplePicker.enhance(picker, { value: "username" });
    picker.dataset.oaLoaded = "true";
  });
  return picker;
}
