// HR's user import (issue 19, deliver 9): while the file is checked and the one-time
// passwords hashed (a few hundred users take a while), show that the import is under way
// and keep the button from sending it twice.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  var progress = document.getElementById("import-progress");
  if (!form || !progress) {
    return;
  }
  form.addEventListener("submit", function () {
    progress.hidden = false;
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = true;
    }
  });
})();
