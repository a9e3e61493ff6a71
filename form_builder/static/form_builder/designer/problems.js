// Where the server's problems show: each {path, message, node, field} goes to the node,
// field, edge or input it concerns. Views mark places with data attributes and paint() fills
// them after every check and every redraw:
//
//   data-oa-problems="$.fields[2]"      problems whose JSON path is at or under that path
//   data-oa-problems-except=".options"  ...but not those under these sub-paths (comma list)
//   data-oa-problems-node="approve"     problems the server says concern node "approve"

import { fill, h } from "./dom.js";

export function under(path, prefix) {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** The problems a marked element shows. */
function matching(problems, element) {
  const prefix = element.dataset.oaProblems;
  const node = element.dataset.oaProblemsNode;
  const except = (element.dataset.oaProblemsExcept || "").split(",").filter(Boolean);
  return problems.filter((problem) => {
    if (node !== undefined) return problem.node === node;
    if (!under(problem.path, prefix)) return false;
    return !except.some((sub) => under(problem.path, prefix + sub));
  });
}

/** Fill every marked element under ``root`` with its problems (or empty it). */
export function paint(root, problems) {
  root.querySelectorAll("[data-oa-problems], [data-oa-problems-node]").forEach((element) => {
    const found = matching(problems, element);
    fill(element, found.length ? h("ul", { class: "list-unstyled" }, found.map(item)) : null);
    element.classList.toggle("oa-has-problems", found.length > 0);
  });
}

function item(problem) {
  return h("li", { class: "text-danger oa-problem" }, h("i", { class: "fa fa-exclamation-circle", "aria-hidden": "true" }), " ", problem.message);
}

/** A place for the problems under ``path`` (see the module comment). */
export function box(path, except = []) {
  return h("div", {
    class: "oa-problems",
    dataset: except.length ? { oaProblems: path, oaProblemsExcept: except.join(",") } : { oaProblems: path },
    role: "alert",
  });
}

/** A place for the problems concerning node ``id``. */
export function nodeBox(id) {
  return h("div", { class: "oa-problems", dataset: { oaProblemsNode: id }, role: "alert" });
}
