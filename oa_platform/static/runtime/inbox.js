// The inbox's "choose all" box for the bulk agree form (issue 19): it ticks or clears every
// to-do of the page. Without script the boxes are ticked one by one; nothing else needs it.
(function () {
  "use strict";
  var all = document.getElementById("bulk-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    var boxes = document.querySelectorAll("input.oa-bulk-choice");
    for (var i = 0; i < boxes.length; i += 1) { boxes[i].checked = all.checked; }
  });
}());
