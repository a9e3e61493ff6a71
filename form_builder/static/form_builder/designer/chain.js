// The node-chain editor: add nodes of any installed node type, name them, choose who handles
// them, set the type's settings and the actions offered, and connect them with edges (label,
// condition checked as you type, default edge); insert a node on a connection (A -> new -> B).

import { assigneeEditor } from "./assignee.js";
import { fill, group, h, select } from "./dom.js";
import { checkFor, numberFor, setMember, textFor } from "./inputs.js";
import { bilingualFor, shown } from "./texts.js";
import { box, nodeBox } from "./problems.js";
import { configForm } from "./schema_form.js";
import { slug, uniqueId } from "./state.js";

const _ = window.oaI18n.gettext;
const pgettext = window.oaI18n.pgettext;

const ORIGIN = "node-panel";

/** The palette of node types and the list of the chain's nodes. */
// A node's self_approval: what its initiator named by the assignee rule leads to (§8.6).
const SELF_APPROVAL = [
  ["", _("Go up to the next head or the leader in charge (default)")],
  ["skip", _("Leave the initiator out; skip the node if nobody is left")],
  ["allow", _("Let the initiator handle it")],
];

export function mountNodeList(element, store) {
  const draw = () => {
    const types = Object.values(store.nodeTypes);
    fill(
      element,
      h("label", { class: "control-label", for: "node-type" }, _("Add a node")),
      h(
        "div",
        { class: "input-group input-group-sm oa-node-add" },
        select(types.map((t) => [t.name, t.label]), "approval", { id: "node-type" }),
        h("span", { class: "input-group-btn" }, h("button", {
          type: "button",
          class: "btn btn-default",
          id: "node-add",
          onClick: () => addNode(store, element.querySelector("#node-type").value),
        }, h("i", { class: "fa fa-plus", "aria-hidden": "true" }), " ", _("Add"))),
      ),
      h("div", { class: "list-group oa-node-list", id: "node-list" }, store.doc.nodes.map((node) => nodeItem(store, node))),
    );
  };
  store.subscribe(draw);
  draw();
}

/** A new node of ``typeName``, named as its type, with a unique id and the type's common
 * actions; its id follows its name (pinyin for a Chinese one) until the designer types one. */
function newNode(store, typeName) {
  const type = store.nodeTypes[typeName];
  const taken = new Set(store.doc.nodes.map((n) => n.id));
  const node = { id: uniqueId(slug(type.label), taken, "node"), type: typeName, name: type.label };
  // The common actions, not every one the type can offer (issue 19): the rest are ticked
  // where a node needs them.
  const common = type.new_actions || [];
  const defaults = type.default_actions || [];
  if (common.length && !(common.length === defaults.length && common.every((a) => defaults.includes(a)))) {
    node.actions = [...common];
  }
  store.autoKeys.add(node);
  return node;
}

/** Once the node is in the document: a type named in Chinese (the page in Chinese) gives a
 * pinyin id, "审批" -> "shen_pi". */
function followTypeName(store, node) {
  const label = store.nodeTypes[node.type].label;
  store.followLabel(node, label, (base) => {
    if (!base || base === slug(label)) return;
    const others = new Set(store.doc.nodes.filter((n) => n !== node).map((n) => n.id));
    store.renameNode(node, uniqueId(base, others, "node"));
    store.changed(null, { structure: true });
  });
}

function addNode(store, typeName) {
  const node = newNode(store, typeName);
  // Keep the end node(s) last in the list, where people look for them.
  const firstEnd = store.doc.nodes.findIndex((n) => (store.nodeType(n) || {}).kind === "end");
  store.doc.nodes.splice(firstEnd === -1 ? store.doc.nodes.length : firstEnd, 0, node);
  store.selectedNode = node.id;
  store.changed("node-list", { structure: true });
  followTypeName(store, node);
}

/** A new node of ``typeName`` on ``edge``: A -> B becomes A -> new -> B (Store.insertNode). */
function insertOnEdge(store, edge, typeName) {
  const node = newNode(store, typeName);
  store.insertNode(edge, node);
  store.changed(null, { structure: true });
  followTypeName(store, node);
}

// What may go between two nodes: anything but a start or an end.
function insertable(store) {
  return Object.values(store.nodeTypes).filter((type) => type.kind !== "start" && type.kind !== "end");
}

/** A node type to choose and a button that inserts one on ``edge``. */
function insertControl(store, edge, { id, label }) {
  const types = insertable(store);
  const choice = select(types.map((t) => [t.name, t.label]), "approval", {
    name: "insert_type",
    "aria-label": _("Type of the node to insert"),
  });
  return h(
    "div",
    { class: "input-group input-group-sm oa-edge-insert" },
    choice,
    h("span", { class: "input-group-btn" }, h("button", {
      type: "button",
      class: "btn btn-default",
      id,
      dataset: { oaInsert: `${edge.from}>${edge.to}` },
      onClick: () => insertOnEdge(store, edge, choice.value),
    }, h("i", { class: "fa fa-plus-square-o", "aria-hidden": "true" }), " ", label)),
  );
}

function nodeItem(store, node) {
  const type = store.nodeType(node);
  return h(
    "a",
    {
      href: "#",
      class: `list-group-item${store.selectedNode === node.id ? " active" : ""}`,
      dataset: { oaNode: node.id },
      onClick: (event) => {
        event.preventDefault();
        store.selectedNode = node.id;
        store.changed("node-list");
      },
    },
    h("i", { class: `fa fa-fw ${type ? type.icon : "fa-question"}`, "aria-hidden": "true" }),
    " ",
    h("strong", {}, shown(node.name)),
    h("span", { class: "small" }, ` ${type ? type.label : node.type}`),
    h("div", { class: "oa-node-problems", dataset: { oaProblemsNode: node.id, oaNodeProblems: node.id } }),
  );
}

/** The selected node's settings and its outgoing edges. */
export function mountNodePanel(element, store, orgUrl) {
  const draw = () => {
    const node = store.selectedNode && store.node(store.selectedNode);
    if (!node) {
      fill(element, h("p", { class: "text-muted" }, _("Select a node in the list or the graph.")));
      return;
    }
    fill(element, panel(store, node, orgUrl, draw));
  };
  store.subscribe(({ origin }) => {
    if (origin !== ORIGIN) draw();
  });
  draw();
}

function panel(store, node, orgUrl, redraw) {
  const changed = () => store.changed(ORIGIN);
  const index = store.doc.nodes.indexOf(node);
  const path = `$.nodes[${index}]`;
  const type = store.nodeType(node);
  // Not bound with textFor: the rename needs the old id to move the edges along.
  const idInput = h("input", {
    class: "form-control input-sm",
    name: "node_id",
    spellcheck: "false",
    value: node.id,
    onInput: (event) => {
      store.autoKeys.delete(node);
      store.renameNode(node, event.target.value);
      changed();
    },
  });
  const nameInput = bilingualFor(node, "name", (value) => {
    if (store.autoKeys.has(node)) {
      store.followLabel(node, value, (base) => {
        const taken = new Set(store.doc.nodes.filter((n) => n !== node).map((n) => n.id));
        const id = uniqueId(base, taken, "node");
        store.renameNode(node, id);
        idInput.value = id;
        changed();
      });
    } else changed();
  }, { name: "node_name" });
  const parts = [
    h("h4", {}, type ? type.label : _("Unknown type '%(type)s'", { type: node.type })),
    nodeBox(node.id),
    group(pgettext("node", "Name"), nameInput), // a node's 名称, not a person's 姓名
    group(_("Id"), idInput, _("Used by edges and the audit trail.")),
  ];
  if (type && type.needs_assignee) {
    parts.push(assigneeEditor(node, store, orgUrl, changed));
    const deadline = numberFor(node, "deadline_hours", changed, {
      min: 1,
      max: 8760,
      name: "deadline_hours",
      placeholder: _("24 (regulations §3.3)"),
    });
    parts.push(group(_("Deadline (hours)"), deadline));
  }
  if (type && type.needs_assignee && type.decides) {
    // Regulations §8.6: what happens when the assignee rule names the initiator.
    const selfApproval = select(SELF_APPROVAL, node.self_approval || "", {
      name: "self_approval",
      onChange: (event) => {
        setMember(node, "self_approval", event.target.value || null);
        changed();
      },
    });
    parts.push(group(_("If the initiator is named"), selfApproval,
      _("Nobody approves their own request (regulations §8.6).")));
  }
  if (type && type.actions.length) parts.push(actionsEditor(node, type, changed));
  if (type) {
    const config = configForm(node, type.config_schema, changed);
    if (config) parts.push(config, box(`${path}.config`));
  }
  parts.push(edgesEditor(store, node, redraw, changed));
  parts.push(h("button", {
    type: "button",
    class: "btn btn-danger btn-sm",
    id: "node-remove",
    onClick: () => {
      store.removeNode(node.id);
      store.changed(null, { structure: true });
    },
  }, h("i", { class: "fa fa-trash", "aria-hidden": "true" }), " ", _("Remove node")));
  return h("div", { class: "oa-node-editor", dataset: { oaEditor: path } }, parts);
}

// The actions as the task page's buttons name them (oa_platform/runtime/opinions.py).
const ACTION_LABELS = {
  submit: _("Submit"),
  agree: _("Agree"),
  read: _("Mark as read"),
  disagree: _("Disagree"),
  rollback: _("Roll back"),
  terminate: _("Terminate"),
  add_signature: _("Add a signer"),
  reduce_signature: _("Remove a signer"),
  modify_text: _("Modify the text"),
  revoke: _("Revoke"),
  failed_review: _("Fail the review"),
  hold: _("Put on hold"),
  draft: _("Save as draft"),
  transfer: _("Transfer"),
  urge: _("Urge"),
};

/** An action as people read it; a plugin's own action by its name. */
export function actionLabel(action) {
  return ACTION_LABELS[action] || action.replace(/_/g, " ");
}

function actionsEditor(node, type, changed) {
  const offered = new Set(node.actions || type.default_actions);
  return h(
    "div",
    { class: "form-group form-group-sm oa-actions" },
    h("label", { class: "control-label" }, _("Actions offered (node permission)")),
    h("div", {}, type.actions.map((action) =>
      h("label", { class: "checkbox-inline" }, h("input", {
        type: "checkbox",
        checked: offered.has(action),
        dataset: { oaAction: action },
        onChange: (event) => {
          if (event.target.checked) offered.add(action);
          else offered.delete(action);
          const chosen = type.actions.filter((a) => offered.has(a));
          const same = chosen.length === type.default_actions.length && chosen.every((a) => type.default_actions.includes(a));
          setMember(node, "actions", same ? null : chosen);
          changed();
        },
      }), ` ${actionLabel(action)}`),
    )),
  );
}

function edgesEditor(store, node, redraw, changed) {
  const edges = store.doc.edges;
  const others = store.doc.nodes.filter((n) => n !== node);
  const targets = others.map((n) => [n.id, shown(n.name)]);
  const several = edges.filter((e) => e.from === node.id).length > 1;
  const rows = edges.map((edge, index) => [edge, index]).filter(([edge]) => edge.from === node.id).map(([edge, index]) =>
    h(
      "div",
      { class: "oa-edge-editor well well-sm", dataset: { oaEdge: `${edge.from}>${edge.to}` } },
      h("div", { class: "oa-pair" },
        group(_("To"), select(targets, edge.to, {
          name: "edge_to",
          onChange: (e) => { edge.to = e.target.value; store.changed(null, { structure: true }); },
        })),
        group(_("Label"), bilingualFor(edge, "label", changed, { name: "edge_label" })),
      ),
      edge.default
        ? null
        : group(
            _("Condition"),
            textFor(edge, "condition", changed, { name: "edge_condition", spellcheck: "false", placeholder: _("e.g. days > 3") }),
            _("Followed when it holds; checked as you type."),
          ),
      checkFor(edge, "default", _("Default edge (taken when no condition holds)"), () => {
        if (edge.default) delete edge.condition;
        redraw();
        changed();
      }),
      box(`$.edges[${index}]`),
      several ? insertControl(store, edge, { id: null, label: _("Insert a node on this connection") }) : null,
      h("button", {
        type: "button",
        class: "btn btn-link btn-xs text-danger",
        onClick: () => {
          edges.splice(index, 1);
          store.changed(null, { structure: true });
        },
      }, h("i", { class: "fa fa-times", "aria-hidden": "true" }), " ", _("Remove connection")),
    ),
  );
  const connected = new Set(edges.filter((e) => e.from === node.id).map((e) => e.to));
  const free = targets.filter(([id]) => !connected.has(id));
  const target = select(free, free.length ? free[0][0] : "", { id: "edge-target", "aria-label": _("Connect to") });
  const outgoing = edges.filter((e) => e.from === node.id);
  // One way out: "insert after" needs no choice of connection.
  const after = outgoing.length === 1
    ? insertControl(store, outgoing[0], { id: "node-insert-after", label: _("Insert a node after this one") })
    : null;
  return h(
    "div",
    { class: "oa-edges" },
    h("h5", {}, _("Leads to")),
    after,
    rows,
    free.length
      ? h("div", { class: "input-group input-group-sm" }, target, h("span", { class: "input-group-btn" }, h("button", {
          type: "button",
          class: "btn btn-default",
          id: "edge-add",
          onClick: () => {
            edges.push({ from: node.id, to: target.value });
            store.changed(null, { structure: true });
          },
        }, h("i", { class: "fa fa-link", "aria-hidden": "true" }), " ", _("Connect"))))
      : null,
  );
}
