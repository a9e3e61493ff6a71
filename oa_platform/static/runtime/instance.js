/* The task page's opinion dialog.
 *
 * An action button opens the dialog (a Bootstrap 3 modal inside #task-form) showing only the
 * chosen action's panel; inputs of the other panels are disabled so they are not posted.
 * An action that needs an opinion (regulations §3.5) is not submitted without one: the dialog
 * says so. The server checks again and refuses with the same sentence.
 * Without script, the buttons simply submit the form with their action.
 */
(function () {
  "use strict";

  var form = document.getElementById("task-form");
  if (!form || !window.jQuery) return;
  var $ = window.jQuery;
  var dialog = $("#action-dialog");
  var title = document.getElementById("action-dialog-title");
  var hint = document.getElementById("opinion-hint");
  var opinion = document.getElementById("oa-opinion");
  var required = document.getElementById("opinion-required");
  var group = document.getElementById("opinion-group");
  var target = document.getElementById("oa-target");
  var resubmit = document.getElementById("resubmit-to-me");
  var chosen = null;
  var hidden = document.createElement("input");
  hidden.type = "hidden";
  hidden.name = "oa-action";

  function showPanels(action) {
    form.querySelectorAll("[data-oa-panel]").forEach(function (panel) {
      var active = panel.getAttribute("data-oa-panel") === action;
      panel.hidden = !active;
      panel.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = !active;
      });
    });
    showResubmit();
  }

  function showResubmit() {
    if (target && resubmit) resubmit.hidden = target.value !== "initiator";
  }

  function clearRequired() {
    required.hidden = true;
    required.textContent = "";
    group.classList.remove("has-error");
  }

  function open(button) {
    chosen = button;
    title.textContent = button.getAttribute("data-oa-label");
    hint.hidden = button.getAttribute("data-oa-needs-opinion") !== "true";
    clearRequired();
    showPanels(button.getAttribute("data-oa-action"));
    // Only actions that keep the form's edits need its fields valid in the browser.
    form.noValidate = button.getAttribute("data-oa-edits") !== "true";
    dialog.modal("show");
  }

  form.querySelectorAll("[data-oa-action]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      open(button);
    });
  });

  if (target) target.addEventListener("change", showResubmit);
  opinion.addEventListener("input", clearRequired);
  dialog.on("shown.bs.modal", function () { opinion.focus(); });

  form.addEventListener("submit", function (event) {
    if (!chosen) return;  // submitted some other way: let the server decide
    if (chosen.getAttribute("data-oa-needs-opinion") === "true" && !opinion.value.trim()) {
      event.preventDefault();
      required.textContent = chosen.getAttribute("data-oa-opinion-message");
      required.hidden = false;
      group.classList.add("has-error");
      opinion.focus();
      return;
    }
    hidden.value = chosen.getAttribute("data-oa-action");
    form.appendChild(hidden);
  }, true);

  document.getElementById("action-confirm").addEventListener("click", function (event) {
    if (chosen && chosen.getAttribute("data-oa-edits") === "true" && !form.checkValidity()) {
      // A field of the form is not valid: close the dialog so the browser can show where.
      event.preventDefault();
      dialog.modal("hide");
      form.reportValidity();
    }
  });
})();
