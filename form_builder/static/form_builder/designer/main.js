// The designer page (templates/designer/designer.html): wires the views to one Store, checks
// the document with the server a moment after each change, and saves, submits, exports and
// imports it. The server's answers are the authority; problems show where they belong.

import { postJson, setCsrfToken } from "./api.js";
import { mountAccessMatrix } from "./access_matrix.js";
import { mountNodeList, mountNodePanel } from "./chain.js";
import { debounce, fill, h } from "./dom.js";
import { mountFieldPanel } from "./field_panel.js";
import { installFieldTypes } from "./field_types.js";
import { mountCanvas, mountPalette } from "./form_canvas.js";
import { mountGraph } from "./graph.js";
import { mountPreview } from "./preview.js";
import { paint } from "./problems.js";
import { mountSettings } from "./settings.js";
import { Store } from "./state.js";
import { shown } from "./texts.js";

const _ = window.oaI18n.gettext;

const root = document.getElementById("designer");
const boot = JSON.parse(document.getElementById("designer-boot").textContent);
const urls = boot.urls;
installFieldTypes(boot.fieldTypes); // the server's registry: built-in and plugin field types
const store = new Store(boot.document, boot.key, boot.nodeTypes);
setCsrfToken(boot.csrfToken);
store.keyUrl = urls.key; // pinyin keys for Chinese labels
store.renameUrl = urls.rename; // a field's new key carried to what names it

const $ = (id) => document.getElementById(id);
const status = $("designer-status");

function say(message, kind = "info", link = null) {
  fill(status, h("span", { class: `text-${kind}` }, message), link ? [" ", h("a", { href: link.href, id: link.id }, link.text)] : null);
}

// Tabs ---------------------------------------------------------------------------------------

let currentTab = "form";
function showTab(name) {
  currentTab = name;
  root.querySelectorAll("[data-oa-tab]").forEach((tab) => {
    const active = tab.dataset.oaTab === name;
    tab.parentElement.classList.toggle("active", active);
    tab.setAttribute("aria-selected", active ? "true" : "false");
  });
  root.querySelectorAll("[data-oa-pane]").forEach((pane) => pane.classList.toggle("hidden", pane.dataset.oaPane !== name));
  if (name === "preview") refreshPreview();
}
root.querySelectorAll("[data-oa-tab]").forEach((tab) =>
  tab.addEventListener("click", (event) => {
    event.preventDefault();
    showTab(tab.dataset.oaTab);
  }),
);

// Views ----------------------------------------------------------------------------------------

mountSettings($("definition-settings"), store, urls.org);
mountPalette($("field-palette-holder"), store);
mountCanvas($("form-canvas"), store);
mountFieldPanel($("field-panel"), store);
mountNodeList($("node-list-holder"), store);
mountGraph($("chain-graph-holder"), store);
mountNodePanel($("node-panel"), store, urls.org);
mountAccessMatrix($("access-holder"), store);
const refreshPreview = mountPreview($("preview-holder"), store, urls.preview, () => currentTab === "preview");

// Problems -----------------------------------------------------------------------------------

function summarise(problems) {
  const list = $("designer-problems");
  fill(
    list,
    problems.length
      ? [
          h("strong", {}, problems.length === 1
            ? _("1 problem to fix before submitting:")
            : _("%(count)s problems to fix before submitting:", { count: problems.length })),
          h("ul", {}, problems.map(problemItem)),
        ]
      : h(
          "span",
          { class: "text-success", id: "designer-no-problems" },
          h("i", { class: "fa fa-check", "aria-hidden": "true" }),
          " ",
          _("No problems: this definition can be submitted."),
        ),
  );
  list.classList.toggle("alert-warning", problems.length > 0);
  list.classList.toggle("alert-success", problems.length === 0);
}

function problemItem(problem) {
  const go = (event) => {
    event.preventDefault();
    goTo(problem);
  };
  return h("li", {}, h("a", { href: "#", onClick: go }, problem.message), " ", h("code", { class: "small" }, problem.path));
}

function goTo(problem) {
  const index = problem.path.match(/^\$\.fields\[(\d+)\]/);
  if (problem.node) {
    store.selectedNode = problem.node;
    showTab("chain");
  } else if (index) {
    store.selectedField = Number(index[1]);
    showTab("form");
  } else if (/^\$\.(nodes|edges)/.test(problem.path)) {
    showTab("chain");
  } else {
    showTab("definition");
  }
  store.changed("problems");
}

// A renamed field: the server renamed what names it; say what it could not, or why the key
// was refused. data-oa-renaming marks a rename not yet answered.
store.onRenaming((busy) => {
  if (busy) root.dataset.oaRenaming = "1";
  else delete root.dataset.oaRenaming;
});
store.onRename(({ old, key, data, error }) => {
  if (error) {
    say(error, "danger");
    return;
  }
  if (data.skipped.length) {
    const where = data.skipped.map((item) => item.path).join(", ");
    say(_("'%(old)s' is now '%(key)s', but these expressions do not parse and still name '%(old)s': %(where)s", { old, key, where }), "warning");
  } else if (data.changes.some((change) => !change.path.endsWith(".key"))) {
    say(_("'%(old)s' is now '%(key)s' wherever it was named.", { old, key }), "info");
  }
});

store.subscribe(() => paint(root, store.problems));
store.onProblems((problems) => {
  paint(root, problems);
  summarise(problems);
});

// data-oa-checking marks a change not yet checked (scheduled or in flight); only the answer
// for the latest change is shown, and clears the mark.
let generation = 0;
const runCheck = debounce(async (asked) => {
  try {
    const { status: code, data } = await postJson(urls.check, { document: store.doc, key: store.key });
    if (asked === generation && code === 200 && data) store.setProblems(data.problems);
  } finally {
    if (asked === generation) delete root.dataset.oaChecking;
  }
}, 400);
function check() {
  generation += 1;
  root.dataset.oaChecking = "1";
  runCheck(generation);
}
// Leaving with changes not saved asks first (the browser's own "leave this page?").
let unsaved = false;
store.subscribe(({ origin }) => {
  if (origin === "problems") return;
  unsaved = true;
  check();
});
window.addEventListener("beforeunload", (event) => {
  if (!unsaved) return;
  event.preventDefault();
  event.returnValue = "";
});

// Save, submit, export, import -------------------------------------------------------------------

function saved(data) {
  if (store.key === null) {
    store.key = data.key;
    window.history.replaceState(null, "", data.designer_url);
    store.changed(null, { structure: true }); // the key is fixed from now on
  }
  $("designer-title").textContent = shown(store.doc.name);
}

$("designer-save").addEventListener("click", async () => {
  say(_("Saving…"));
  await store.renamesSettled();
  const { status: code, data } = await postJson(urls.save, { document: store.doc, key: store.key });
  if (code === 200) {
    saved(data);
    unsaved = false;
    store.setProblems(data.problems);
    const link = { href: data.version_url, id: "designer-version-link", text: _("Open the version (history, diff, review)") };
    say(_("Saved as draft version %(number)s.", { number: data.number }), "success", link);
  } else {
    if (data && data.problems) store.setProblems(data.problems);
    say((data && data.error) || _("Not saved (error %(code)s).", { code }), "danger");
  }
});

$("designer-submit").addEventListener("click", async () => {
  say(_("Submitting…"));
  await store.renamesSettled();
  const { status: code, data } = await postJson(urls.submit, { document: store.doc, key: store.key });
  if (code === 200 && data.submitted) {
    unsaved = false;
    window.location.assign(data.version_url);
    return;
  }
  if (data && data.saved) {
    saved(data);
    unsaved = false;
  }
  if (data && data.problems) store.setProblems(data.problems);
  say((data && data.error) || _("Not submitted (error %(code)s).", { code }), "danger");
});

$("designer-export").addEventListener("click", () => {
  const blob = new Blob([`${JSON.stringify(store.doc, null, 2)}\n`], { type: "application/json" });
  const link = h("a", { href: URL.createObjectURL(blob), download: `${store.doc.key || "definition"}.json` });
  document.body.append(link);
  link.click();
  link.remove();
});

$("designer-import").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  event.target.value = "";
  if (!file) return;
  let data;
  try {
    data = JSON.parse(await file.text());
  } catch (error) {
    say(`${file.name} is not JSON: ${error.message}`, "danger");
    return;
  }
  if (!data || typeof data !== "object" || Array.isArray(data)) {
    say(`${file.name} is not a definition (a JSON object).`, "danger");
  } else if (store.key !== null && data.key !== store.key) {
    say(`${file.name} is the definition '${data.key}'; this designer edits '${store.key}'. Import it under Process Design → Import Definitions.`, "danger");
  } else {
    store.replaceDocument(data);
    say(_("Loaded %(file)s; save to keep it as the draft.", { file: file.name }), "info");
  }
});

showTab(root.dataset.oaStartTab || "form");
check();
