// Marks the nodes whose assignee would resolve to nobody in today's organisation (issue 23):
// the server lists them in the boot data ("unresolvable": {node id: why}); the node list is
// redrawn by the designer, so the marks are put back whenever it changes.
(function () {
  "use strict";
  var boot = document.getElementById("designer-boot");
  var nodes = boot ? JSON.parse(boot.textContent).unresolvable || {} : {};
  if (!Object.keys(nodes).length) return;
  function mark() {
    Object.keys(nodes).forEach(function (id) {
      document.querySelectorAll('[data-oa-node="' + CSS.escape(id) + '"]').forEach(function (item) {
        if (!item.classList.contains("list-group-item-danger")) item.classList.add("list-group-item-danger");
        if (item.getAttribute("title") !== nodes[id]) item.setAttribute("title", nodes[id]);
      });
    });
  }
  function start() {
    var holder = document.getElementById("node-list-holder");
    if (holder) new MutationObserver(mark).observe(holder, { childList: true, subtree: true });
    mark();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
