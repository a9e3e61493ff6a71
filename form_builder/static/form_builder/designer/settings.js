// The definition's own members: key (fixed once saved), name, category, owning department,
// description and the title template of each request (form_builder/titles.py).

import { fill, group, h } from "./dom.js";
import { orgChoices } from "./api.js";
import { textFor } from "./inputs.js";
import { bilingualFor } from "./texts.js";
import { box } from "./problems.js";
import { slug } from "./state.js";

const _ = window.oaI18n.gettext;
const pgettext = window.oaI18n.pgettext;

export function mountSettings(element, store, orgUrl) {
  const draw = () => {
    const doc = store.doc;
    const changed = () => store.changed("settings");
    let keyTouched = Boolean(doc.key);
    const key = textFor(doc, "key", () => {
      keyTouched = true;
      changed();
    }, { id: "definition-key", spellcheck: "false", readonly: store.key !== null, placeholder: _("e.g. leave_request") });
    const name = bilingualFor(doc, "name", (value) => {
      if (!keyTouched && store.key === null) {
        doc.key = slug((value || {}).en || "");
        key.value = doc.key;
      }
      changed();
    }, { id: "definition-name" });
    const department = h("select", {
      class: "form-control input-sm",
      id: "definition-department",
      onChange: (event) => {
        doc.department = event.target.value;
        changed();
      },
    });
    orgChoices(orgUrl, "departments").then((choices) => {
      const values = choices.map((c) => c.value);
      // A bare code (as the examples write "HR") stays as written.
      const extra = doc.department && !values.includes(doc.department) ? [{ value: doc.department, label: doc.department }] : [];
      fill(
        department,
        h("option", { value: "" }, _("Choose…")),
        [...extra, ...choices].map((c) => h("option", { value: c.value, selected: c.value === doc.department }, c.label)),
      );
      department.dataset.oaLoaded = "true";
    });
    fill(
      element,
      h("div", { class: "row" },
        h("div", { class: "col-sm-6" },
          group(pgettext("process", "Name"), name, _("What staff see in the list of forms.")),
          box("$.name"),
          group(
            _("Key"),
            key,
            store.key === null
              ? _("Made from the name; lower case letters, digits and _. It cannot change once saved.")
              : _("Fixed: every version shares it."),
          ),
          box("$.key"),
        ),
        h("div", { class: "col-sm-6" },
          group(_("Category"), textFor(doc, "category", changed, { id: "definition-category", placeholder: _("e.g. Human resources") })),
          box("$.category"),
          group(_("Owning department"), department),
          box("$.department"),
        ),
      ),
      group(_("Description"), bilingualFor(doc, "description", changed, { tag: "textarea", rows: 3, id: "definition-description" }), _("Shown to the applicant.")),
      box("$.description"),
      group(
        _("Title of each request"),
        bilingualFor(doc, "title", changed, { id: "definition-title" }),
        _("How inboxes and notices name each request: text with a field's key in braces, or {initiator} or {definition}, e.g. {initiator}: {days} days from {start_date}. Empty: the process's name and the applicant's."),
      ),
      box("$.title"),
    );
  };
  store.subscribe(({ origin, structure }) => {
    if (origin !== "settings" && structure) draw();
  });
  draw();
}
