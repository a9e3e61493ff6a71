// The document being designed and what is selected, with change notification.
//
// The document is edited in place, so members this page does not know (added by newer
// formats or plugins, e.g. a node's `escalation`) are kept as they were. Views subscribe;
// `changed(origin)` tells them, and the view that made the change may skip redrawing itself
// (so the input being typed in keeps its focus).

import { postJson } from "./api.js";

const _ = window.oaI18n.gettext;

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
    this.renameUrl = null; // the server's rename with references (designer/api.py "rename")
    this.committedKeys = new WeakMap(); // field or column -> the key its references use
    this.renameWaits = new Map(); // field or column -> the rename waiting for typing to pause
    this.renameChain = Promise.resolve(); // renames are asked one at a time, in order
    this.renamesInFlight = 0;
    this.renameListeners = [];
    this.renamingListeners = [];
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
    for (const entry of this.renameWaits.values()) clearTimeout(entry.timer);
    this.renameWaits.clear();
    this.committedKeys = new WeakMap();
    this.renamingChanged();
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

  /**
   * Give a field (or, with ``table``, one of that table's columns) the key ``key`` at once,
   * and have the server rename everything that names it: conditions and other expressions,
   * the title template, field access, assignee and node settings (form_builder/rename.py,
   * POST urls.rename). Typing is awaited a moment; renames go one at a time, each from the
   * key the references use to the key typed by then. ``origin`` is the view typing, which
   * is not redrawn when the answer arrives (it keeps its focus).
   */
  renameField(field, key, { table = null, origin = null } = {}) {
    if (!this.committedKeys.has(field)) this.committedKeys.set(field, field.key);
    field.key = key;
    const waiting = this.renameWaits.get(field);
    if (waiting) clearTimeout(waiting.timer);
    const entry = { table, origin, timer: null };
    entry.timer = setTimeout(() => this.sendRename(field, entry), RENAME_PAUSE);
    this.renameWaits.set(field, entry);
    this.renamingChanged();
  }

  sendRename(field, entry) {
    if (this.renameWaits.get(field) !== entry) return;
    this.renameWaits.delete(field);
    clearTimeout(entry.timer);
    this.renameChain = this.renameChain.then(() => this.askRename(field, entry)).catch(() => {});
    this.renamesInFlight += 1;
    this.renameChain.finally(() => {
      this.renamesInFlight -= 1;
      this.renamingChanged();
    });
  }

  async askRename(field, { table, origin }) {
    const old = this.committedKeys.get(field);
    const key = field.key;
    const fieldIndex = this.doc.fields.indexOf(table || field);
    const columnIndex = table ? (table.columns || []).indexOf(field) : null;
    if (old === key || fieldIndex === -1 || columnIndex === -1 || !this.renameUrl) return;
    const body = { document: this.doc, key: this.key, field: fieldIndex, column: columnIndex, old, new: key };
    const { status, data } = await postJson(this.renameUrl, body);
    if (status === 200 && data) {
      this.committedKeys.set(field, key);
      const applied = data.changes.filter((change) => applyChange(this.doc, change)).length;
      for (const listener of this.renameListeners) listener({ field, old, key, data, error: null });
      if (applied) this.changed(origin);
    } else {
      const error = (data && data.error) || _("The references to '%(key)s' were not renamed (error %(code)s).", { key: old, code: status });
      for (const listener of this.renameListeners) listener({ field, old, key, data, error });
    }
  }

  /** Listen to the server's answers to renames: ``{field, old, key, data, error}``. */
  onRename(listener) {
    this.renameListeners.push(listener);
  }

  /** Listen to whether a rename is waiting or being asked (``busy``: true or false). */
  onRenaming(listener) {
    this.renamingListeners.push(listener);
  }

  renamingChanged() {
    const busy = this.renameWaits.size > 0 || this.renamesInFlight > 0;
    for (const listener of this.renamingListeners) listener(busy);
  }

  /** Resolves once every rename typed so far has been answered (before saving). */
  async renamesSettled() {
    for (const [field, entry] of [...this.renameWaits]) this.sendRename(field, entry);
    await this.renameChain;
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

  /**
   * Put ``node`` on ``edge`` (A -> B becomes A -> node -> B). The first part keeps the edge
   * itself, with its place among A's edges, its label, condition and default mark: they are
   * A's choice of where to go, and the order of A's edges decides which condition is asked
   * first. The second part is plain: the new node has one way out. The node goes after A in
   * the list, and is selected.
   */
  insertNode(edge, node) {
    const target = edge.to;
    const source = this.node(edge.from);
    const at = source ? this.doc.nodes.indexOf(source) + 1 : this.doc.nodes.length;
    this.doc.nodes.splice(at, 0, node);
    edge.to = node.id;
    this.doc.edges.splice(this.doc.edges.indexOf(edge) + 1, 0, { from: node.id, to: target });
    this.selectedNode = node.id;
  }

  removeNode(id) {
    this.doc.nodes = this.doc.nodes.filter((node) => node.id !== id);
    this.doc.edges = this.doc.edges.filter((edge) => edge.from !== id && edge.to !== id);
    if (this.selectedNode === id) this.selectedNode = null;
  }
}

// How long typing a key must pause before the server renames what names it.
const RENAME_PAUSE = 250;

/**
 * Apply one change of the server's rename ({path, before, after}, a JSON path such as
 * "$.edges[2].condition"): only where the page still holds ``before`` (or holds ``after``
 * already), so an edit made meanwhile is never overwritten. True if it changed something.
 */
export function applyChange(doc, { path, before, after }) {
  const steps = [...path.matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
  let holder = doc;
  for (const step of steps.slice(0, -1)) {
    holder = holder == null ? undefined : holder[step];
  }
  if (holder == null || typeof holder !== "object") return false;
  const member = steps[steps.length - 1];
  const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (!same(holder[member], before)) return false;
  if (after === null || after === undefined) delete holder[member];
  else holder[member] = after;
  return true;
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
