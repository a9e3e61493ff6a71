// The live preview: the unsaved document's form as a chosen node's handler sees it, drawn by
// the server with the renderer staff see (form_builder/designer/preview.py) inside a frame,
// redrawn a moment after each change while the preview is showing.

import { debounce, fill, h, select } from "./dom.js";
import { csrf } from "./api.js";

const _ = window.oaI18n.gettext;

export function mountPreview(element, store, url, isShowing) {
  const frame = h("iframe", { name: "designer-preview", id: "preview-frame", title: _("Form preview"), class: "oa-preview-frame" });
  const documentInput = h("input", { type: "hidden", name: "document" });
  const nodeInput = h("input", { type: "hidden", name: "node" });
  const tokenInput = h("input", { type: "hidden", name: "csrf_token" });
  const form = h("form", { method: "post", action: url, target: "designer-preview", class: "hidden" }, documentInput, nodeInput, tokenInput);
  const chooser = h("span");
  let node = null;
  // Marked while the frame loads, so that a test (or a reader) knows when it shows the latest.
  frame.addEventListener("load", () => delete frame.dataset.oaLoading);
  const refresh = () => {
    if (!isShowing()) return;
    frame.dataset.oaLoading = "";
    documentInput.value = JSON.stringify(store.doc);
    nodeInput.value = node || "";
    tokenInput.value = csrf();
    form.submit();
  };
  const drawChooser = () => {
    const nodes = store.doc.nodes.filter((n) => {
      const type = store.nodeType(n);
      return type && (type.kind === "start" || type.needs_assignee);
    });
    if (!nodes.some((n) => n.id === node)) node = nodes.length ? nodes[0].id : null;
    fill(chooser, select(nodes.map((n) => [n.id, n.name]), node, {
      id: "preview-node",
      "aria-label": _("As seen at node"),
      onChange: (event) => {
        node = event.target.value;
        refresh();
      },
    }));
  };
  const phone = h("input", {
    type: "checkbox",
    id: "preview-phone",
    onChange: (event) => frame.classList.toggle("oa-preview-phone", event.target.checked),
  });
  fill(
    element,
    h("div", { class: "form-inline oa-preview-bar" },
      h("label", { for: "preview-node" }, _("As the handler of ")), " ", chooser, " ",
      h("label", { class: "checkbox-inline" }, phone, " ", _("Phone width (390 px)")),
    ),
    form,
    frame,
  );
  const later = debounce(refresh, 500);
  store.subscribe(() => {
    drawChooser();
    later();
  });
  drawChooser();
  // Shown now: drawn at once, and a redraw still pending from an earlier change is dropped
  // (it would reload the frame under the person already using it).
  return () => {
    later.cancel();
    refresh();
  };
}
