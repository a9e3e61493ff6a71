// A definition's texts in two languages (definition format 2; form_builder/localized.py is the
// server's side of the same rule). A text is a plain string, the same in every language, or
// per-language values {"zh_CN": "报销金额", "en": "Amount"}. The designer edits Chinese and
// English side by side and shows each text in the page's language, falling back to the
// other one, so a label is never blank because a translation is missing.

import { h } from "./dom.js";
import { setMember } from "./inputs.js";

const _ = window.oaI18n ? window.oaI18n.gettext : (message) => message;
const pageLanguage = () => (window.oaI18n ? window.oaI18n.language : "en");

/** The languages a designer writes, in the order their inputs stand. */
export const LANGUAGES = [
  ["zh_CN", _("Chinese")],
  ["en", _("English")],
];

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
const primary = (tag) => tag.replace("-", "_").split("_")[0].toLowerCase();

/** ``value`` as per-language values; a plain string (format 1, or typed in a JSON file)
 * belongs to the language it is written in: Chinese if it has Chinese characters. */
export function perLanguage(value) {
  if (value === undefined || value === null || value === "") return {};
  if (typeof value === "string") return { [CJK.test(value) ? "zh_CN" : "en"]: value };
  return { ...value };
}

/** The text of ``value`` a reader of ``language`` (default: the page's) reads. */
export function shown(value, language = pageLanguage()) {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  const entries = Object.entries(value).filter(([, text]) => text);
  const exact = entries.find(([tag]) => tag === language);
  const same = entries.find(([tag]) => primary(tag) === primary(language));
  return (exact || same || entries[0] || ["", ""])[1];
}

/**
 * Inputs for ``target[name]``, one per language side by side. Typing writes the per-language
 * object (an emptied language is left out; both empty removes the member) and calls
 * ``after(value)``. ``attrs.name`` / ``attrs.id`` / ``attrs.dataset`` name the English input
 * as before; the Chinese one gets the same with "_zh_CN" / "-zh_CN" appended.
 */
export function bilingualFor(target, name, after, attrs = {}) {
  const { tag = "input", id, name: inputName, dataset = {}, ...rest } = attrs;
  const values = perLanguage(target[name]);
  const inputs = LANGUAGES.map(([language, languageName]) => {
    const english = language === "en";
    const suffix = english ? "" : `_${language}`;
    return h(tag, {
      class: "form-control input-sm",
      type: tag === "input" ? "text" : null,
      value: values[language] ?? "",
      id: id ? `${id}${english ? "" : `-${language}`}` : null,
      name: inputName ? `${inputName}${suffix}` : null,
      lang: language.replace("_", "-"),
      placeholder: languageName,
      "aria-label": languageName,
      dataset: { ...dataset, oaMember: name, oaLanguage: language },
      onInput: (event) => {
        values[language] = event.target.value;
        const kept = Object.fromEntries(Object.entries(values).filter(([, text]) => text));
        setMember(target, name, Object.keys(kept).length ? kept : null);
        after(target[name], language);
      },
      ...rest,
    });
  });
  return h(
    "div",
    { class: "row oa-bilingual", dataset: { oaTexts: name } },
    inputs.map((input) => h("div", { class: "col-xs-6" }, input)),
  );
}
