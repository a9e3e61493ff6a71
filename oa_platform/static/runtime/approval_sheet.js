// The approval sheet's Print button (no inline script: the page's CSP allows none).
(function () {
  "use strict";
  var button = document.querySelector("[data-oa-print]");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
})();
