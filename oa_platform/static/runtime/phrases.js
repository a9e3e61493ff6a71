/* Quick opinion phrases (常用语; issue 19), wherever an opinion box has them: the inbox's bulk
 * agree and the task page's action dialog (runtime/_phrases.html). A click, or Enter or
 * Space on the focused button, appends the phrase to the box named by the group's
 * data-oa-phrases-for, after a space when the box already holds text.
 *
 * The phrase is the person's own writing: read with textContent and written with .value,
 * so it stays text. An "input" event follows, as if typed, so the page's own listeners
 * (the task page clears its "opinion required" message) see the change.
 */
(function () {
  "use strict";
  var root = document.documentElement;
  // The partial brings this script with each box it serves: listen once per page.
  if (root.hasAttribute("data-oa-phrases")) return;
  root.setAttribute("data-oa-phrases", "");

  function append(box, text) {
    var sep = box.value && !/\s$/.test(box.value) ? " " : "";
    box.value += sep + text;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".oa-phrase");
    var group = button && button.closest("[data-oa-phrases-for]");
    var box = group && document.getElementById(group.getAttribute("data-oa-phrases-for"));
    if (box) append(box, button.textContent);
  });
})();
