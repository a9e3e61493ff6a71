// The document being designed and what is selected, with change notification.
//
// The document is edited in place, so members this page does not know (added by newer
// formats or plugins, e.g. a node's `escalation`) are kept as they were. Views subscribe;
// `changed(origin)` tells them, and the view that made the change may skip redrawing itself
// (so the input being typed in keeps its focus).

export class Store {
  constructor(document, key, nodeTypes) {
    this.doc = document;
    this.key = key; // the saved definition's key, or null before the first save
    this.nodeTypes = Object.fromEntries(nodeTypes.map((type) => [type.name, type]));
    this.selectedField = null; // index into doc.fields
    this.selectedNode = null; // node id
    this.problems = [];
    this.autoKeys = new WeakSet(); // fields and nodes whose key follows their label
    this.keyUrl = null; // the server's pinyin keys for Chinese labels (designer/api.py "key")
    this.pendingKeys = new WeakMap(); // element -> the label whose key is being fetched
    this.listeners = [];
    this.problemListeners = [];
  }

  subscribe(listener) {
    this.listeners.push(listener);
  }

  onProblems(listener) {
    this.problemListeners.push(listener);
  }

  /** Tell every view the document or selection changed; ``origin`` names who changed it. */
  changed(origin = null, { structure = false } = {}) {
    for (const listener of this.listeners) listener({ origin, structure });
  }

  setProblems(problems) {
    this.problems = problems;
    for (const listener of this.problemListeners) listener(problems);
  }

  replaceDocument(document) {
    this.doc = document;
    this.selectedField = null;
    this.selectedNode = null;
    this.changed(null, { structure: true });
  }

  /**
   * Give ``element`` (a field, column, option or node whose key follows its label) the key
   * its label ``value`` makes, through ``apply(base)`` ("" when none: the caller's fallback).
   * An English label is slugged at once; a Chinese-only one first gets the fallback, then
   * the server's pinyin ("报销金额" -> "bao_xiao_jin_e"), unless the designer has typed a key
   * or another label meanwhile.
   */
  followLabel(element, value, apply) {
    const token = {};
    this.pendingKeys.set(element, token);
    const base = labelSlug(value);
    apply(base);
    const chinese = chineseText(value);
    if (base || !chinese || !this.keyUrl) return Promise.resolve(base);
    return pinyinKey(this.keyUrl, chinese).then((key) => {
      if (key && this.pendingKeys.get(element) === token && this.autoKeys.has(element)) apply(key);
      return key;
    });
  }

  // Fields -----------------------------------------------------------------------------

  fieldKeys(except = null) {
    return new Set(this.doc.fields.filter((f) => f !== except).map((f) => f.key));
  }

  /** Rename a field and the field-access entries that name it. */
  renameField(field, key) {
    const old = field.key;
    field.key = key;
    for (const node of this.doc.nodes) {
      if (node.field_access && old in node.field_access) {
        node.field_access[key] = node.field_access[old];
        delete node.field_access[old];
      }
    }
  }

  removeField(index) {
    const [field] = this.doc.fields.splice(index, 1);
    for (const node of this.doc.nodes) {
      if (node.field_access) {
        delete node.field_access[field.key];
        if (!Object.keys(node.field_access).length) delete node.field_access;
      }
    }
    this.selectedField = null;
  }

  moveField(from, to) {
    const [field] = this.doc.fields.splice(from, 1);
    this.doc.fields.splice(to > from ? to - 1 : to, 0, field);
    this.selectedField = this.doc.fields.indexOf(field);
  }

  // Nodes ------------------------------------------------------------------------------

  node(id) {
    return this.doc.nodes.find((node) => node.id === id) || null;
  }

  nodeType(node) {
    return this.nodeTypes[node.type] || null;
  }

  /** Rename a node and the edges that name it. */
  renameNode(node, id) {
    for (const edge of this.doc.edges) {
      if (edge.from === node.id) edge.from = id;
      if (edge.to === node.id) edge.to = id;
    }
    if (this.selectedNode === node.id) this.selectedNode = id;
    node.id = id;
  }

  removeNode(id) {
    this.doc.nodes = this.doc.nodes.filter((node) => node.id !== id);
    this.doc.edges = this.doc.edges.filter((edge) => edge.from !== id && edge.to !== id);
    if (this.selectedNode === id) this.selectedNode = null;
  }
}

/** An identifier made from a label: "Leave type" -> "leave_type"; "" when nothing is left. */
export function slug(text) {
  const cleaned = String(text)
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^[^a-z]+/, "")
    .replace(/_+$/, "");
  return cleaned.slice(0, 63).replace(/_+$/, "");
}

const CHINESE = /[\u3400-\u9fff\uf900-\ufaff]/;

/** The slug of a label (a string, or per-language texts): its English text first. */
export function labelSlug(value) {
  if (!value) return "";
  if (typeof value === "string") return CHINESE.test(value) ? "" : slug(value);
  const texts = [value.en, ...Object.entries(value).filter(([tag]) => tag !== "en").map(([, text]) => text)];
  for (const text of texts) {
    // Chinese text is written in pinyin by the server (followLabel), not stripped here.
    const made = text && !CHINESE.test(text) ? slug(text) : "";
    if (made) return made;
  }
  return "";
}

/** The label's Chinese text, if it has one ("" if not). */
export function chineseText(value) {
  if (!value) return "";
  const texts = typeof value === "string" ? [value] : [value.zh_CN, ...Object.values(value)];
  return texts.find((text) => text && CHINESE.test(text)) || "";
}

const pinyinCache = new Map();

/** The server's key for a Chinese label (form_builder/keys.py); "" if it cannot be had. */
export function pinyinKey(url, text) {
  if (!pinyinCache.has(text)) {
    const address = `${url}?text=${encodeURIComponent(text)}`;
    pinyinCache.set(
      text,
      fetch(address, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : { key: "" }))
        .then((data) => data.key || "")
        .catch(() => ""),
    );
  }
  return pinyinCache.get(text);
}

/** ``base`` (or ``fallback``) made unique among ``taken`` by a numeric suffix. */
export function uniqueId(base, taken, fallback) {
  const root = base || fallback;
  if (!taken.has(root)) return root;
  for (let n = 2; ; n += 1) {
    const candidate = `${root.slice(0, 58)}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
