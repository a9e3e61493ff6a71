// The chain as a graph (SVG), laid out automatically: each node in the layer of its longest
// distance from a node without incoming edges (the same rule as the instance trace,
// oa_platform/runtime/trace.py), layers top to bottom. Click a node to select it; nodes with
// problems are outlined in red with the messages in their tooltip.

import { fill } from "./dom.js";
import { shown } from "./texts.js";

const _ = window.oaI18n.gettext;

const SVG = "http://www.w3.org/2000/svg";
const NODE_W = 150;
const NODE_H = 44;
const GAP_X = 30;
const GAP_Y = 46;
const MARGIN = 16;

function s(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** node id -> layer: the longest path (in edges) from a node without incoming edges. An edge
 * closing a loop is ignored here; the server reports the loop. */
function layers(ids, edges) {
  const outgoing = new Map(ids.map((id) => [id, []]));
  const indegree = new Map(ids.map((id) => [id, 0]));
  for (const edge of edges) {
    if (!outgoing.has(edge.from) || !outgoing.has(edge.to)) continue;
    outgoing.get(edge.from).push(edge.to);
    indegree.set(edge.to, indegree.get(edge.to) + 1);
  }
  const layer = new Map(ids.map((id) => [id, 0]));
  const ready = ids.filter((id) => indegree.get(id) === 0);
  while (ready.length) {
    const id = ready.shift();
    for (const target of outgoing.get(id)) {
      layer.set(target, Math.max(layer.get(target), layer.get(id) + 1));
      indegree.set(target, indegree.get(target) - 1);
      if (indegree.get(target) === 0) ready.push(target);
    }
  }
  return layer;
}

export function mountGraph(element, store) {
  const draw = () => drawGraph(element, store);
  store.subscribe(draw);
  store.onProblems(draw);
  draw();
}

function drawGraph(element, store) {
  const nodes = store.doc.nodes;
  const ids = nodes.map((n) => n.id);
  const layer = layers(ids, store.doc.edges);
  const rows = [];
  for (const node of nodes) {
    const at = layer.get(node.id);
    (rows[at] = rows[at] || []).push(node);
  }
  const widest = Math.max(1, ...rows.filter(Boolean).map((row) => row.length));
  const width = MARGIN * 2 + widest * NODE_W + (widest - 1) * GAP_X + 2 * (NODE_W * 0.75 + GAP_X);
  const height = MARGIN * 2 + rows.length * NODE_H + Math.max(0, rows.length - 1) * GAP_Y;
  const place = new Map();
  rows.forEach((row, index) => {
    if (!row) return;
    const rowWidth = row.length * NODE_W + (row.length - 1) * GAP_X;
    row.forEach((node, position) => {
      place.set(node.id, {
        x: (width - rowWidth) / 2 + position * (NODE_W + GAP_X),
        y: MARGIN + index * (NODE_H + GAP_Y),
      });
    });
  });
  const svg = s("svg", {
    class: "oa-chain-graph",
    id: "chain-graph",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": _("The node chain"),
  });
  const arrow = s(
    "marker",
    { id: "oa-arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
    s("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "oa-arrow" }),
  );
  svg.append(s("defs", {}, arrow));
  for (const edge of store.doc.edges) {
    const from = place.get(edge.from);
    const to = place.get(edge.to);
    if (!from || !to) continue;
    const x1 = from.x + NODE_W / 2;
    const y1 = from.y + NODE_H;
    const x2 = to.x + NODE_W / 2;
    const y2 = to.y;
    const bend = Math.max(20, (y2 - y1) / 2);
    // An edge skipping layers swings out to the side so it does not run through the nodes
    // between; which side depends on where its target sits.
    const skips = layer.get(edge.to) - layer.get(edge.from) > 1;
    const side = skips ? (x2 >= width / 2 ? 1 : -1) * (NODE_W * 0.75 + GAP_X) : 0;
    const label = shown(edge.label) || edge.condition || (edge.default ? _("otherwise") : "");
    const labelX = (x1 + x2) / 2 + side * 0.75 + 4;
    const curve = `M ${x1} ${y1} C ${x1 + side} ${y1 + bend}, ${x2 + side} ${y2 - bend}, ${x2} ${y2}`;
    const line = s("g", { class: "oa-graph-edge", "data-oa-edge": `${edge.from}>${edge.to}` },
      s("title", {}, _("Click to edit this connection or insert a node on it")),
      s("path", { d: curve, class: "oa-graph-edge-hit" }),
      s("path", { d: curve, "marker-end": "url(#oa-arrow)" }),
      label ? s("text", { x: labelX, y: (y1 + y2) / 2, class: "oa-graph-edge-label" }, truncate(label, 28)) : null,
    );
    // Choosing a connection opens its source node, where it is edited (and a node inserted).
    line.addEventListener("click", () => {
      store.selectedNode = edge.from;
      store.changed("graph");
    });
    svg.append(line);
  }
  for (const node of nodes) {
    const at = place.get(node.id);
    const type = store.nodeType(node);
    const problems = store.problems.filter((p) => p.node === node.id);
    const classes = ["oa-graph-node", `oa-kind-${type ? type.kind : "unknown"}`];
    if (problems.length) classes.push("oa-graph-node-problem");
    if (store.selectedNode === node.id) classes.push("oa-graph-node-selected");
    const group = s(
      "g",
      { class: classes.join(" "), transform: `translate(${at.x} ${at.y})`, "data-oa-graph-node": node.id, tabindex: 0, role: "button" },
      s("title", {}, [shown(node.name), ...problems.map((p) => p.message)].join("\n")),
      s("rect", { width: NODE_W, height: NODE_H, rx: type && ["start", "end"].includes(type.kind) ? 22 : 5 }),
      s("text", { x: NODE_W / 2, y: 18, "text-anchor": "middle", class: "oa-graph-node-name" }, truncate(shown(node.name), 22)),
      s("text", { x: NODE_W / 2, y: 34, "text-anchor": "middle", class: "oa-graph-node-type" }, truncate(type ? type.label : node.type, 26)),
      problems.length ? s("text", { x: NODE_W - 8, y: 14, "text-anchor": "end", class: "oa-graph-node-flag" }, "!") : null,
    );
    const choose = () => {
      store.selectedNode = node.id;
      store.changed("graph");
    };
    group.addEventListener("click", choose);
    group.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        choose();
      }
    });
    svg.append(group);
  }
  fill(element, svg);
}

function truncate(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
