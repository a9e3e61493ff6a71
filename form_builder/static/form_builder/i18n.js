/* The scripts' words in the page's language (issue 18; form_builder/js_catalog.py).
 *
 * The page renders {{ js_catalog() }}, a JSON data block with the translations of every
 * message the platform's scripts mark, then loads this file before them. Scripts write
 *   const _ = window.oaI18n.gettext;
 *   _("Link address (https://…)");  _("Row %(number)s", { number: 3 });
 * A word whose Chinese depends on where it stands takes a context, as pgettext does:
 *   const pgettext = window.oaI18n.pgettext;  pgettext("field access", "Read");  // 只读
 * `make i18n` extracts those calls into translations/ like the Python and template ones
 * (babel.cfg's [javascript: ...] sections). A message without a translation, or a page
 * without the data block, reads as written (English). Modules use it the same way. */
(function () {
  "use strict";
  const block = document.getElementById("oa-i18n");
  let data = { language: "en", messages: {} };
  if (block) {
    try {
      data = JSON.parse(block.textContent);
    } catch (error) {
      /* a broken block leaves the English text */
    }
  }

  // Python's "%(name)s" placeholders, as gettext's translations keep them.
  function format(text, params) {
    if (!params) return text;
    return text.replace(/%\(([A-Za-z_][A-Za-z0-9_]*)\)[sd]|%%/g, (match, name) =>
      name === undefined ? "%" : name in params ? String(params[name]) : match
    );
  }

  function gettext(message, params) {
    const translated = Object.prototype.hasOwnProperty.call(data.messages, message)
      ? data.messages[message]
      : message;
    return format(translated, params);
  }

  // A message with a context is keyed "context\u0004message" (js_catalog.py, as gettext).
  function pgettext(context, message, params) {
    const key = context + "\u0004" + message;
    const translated = Object.prototype.hasOwnProperty.call(data.messages, key)
      ? data.messages[key]
      : message;
    return format(translated, params);
  }

  window.oaI18n = Object.freeze({ gettext: gettext, pgettext: pgettext, language: data.language });
})();
