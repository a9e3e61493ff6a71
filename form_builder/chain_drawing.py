"""Where a definition's node chain is drawn: boxes in columns, edges as curves (the geometry
the instance trace and the Management Center's review share), and the review's drawing of a
chain with its changes marked.

Nodes are laid out left to right in layers by their longest path from the start node, so a
node comes after every node leading to it and parallel branches stand side by side in one
column. An edge runs from the right side of one box to the left side of another; an edge that
skips columns arcs over the boxes in between.

The review's drawing is inline SVG made on the server, as the platform's charts are
(``oa_platform/charts.py``): no script and no file from elsewhere, every name escaped, each
mark said in words as well as in colour (a legend, and a word in the box), so it reads on an
intranet, printed in grey and by a screen reader.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

NODE_WIDTH = 168
NODE_HEIGHT = 60
COLUMN_GAP = 84
ROW_GAP = 24
MARGIN = 12
# Room above the boxes for edges that skip columns (drawn as arcs over the nodes between).
ARC_ROOM = 48
BEND = 30


@dataclass(frozen=True)
class Box:
    """A node's box: its top-left corner."""

    id: str
    x: int
    y: int


@dataclass(frozen=True)
class Line:
    """An edge as an SVG path, with where its label goes."""

    source: str
    target: str
    path: str
    label_x: int
    label_y: int


@dataclass(frozen=True)
class Layout:
    """Boxes in column order (document order within a column), lines in edge order."""

    boxes: dict[str, Box]
    lines: list[Line]
    width: int
    height: int


def layers(node_ids: Sequence[str], edges: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Each node's longest distance (in edges) from a node without incoming edges.

    Definitions are acyclic (the validator refuses cycles); should an edge close a cycle, it
    is ignored here rather than looping.
    """
    outgoing: dict[str, list[str]] = {node: [] for node in node_ids}
    indegree = dict.fromkeys(node_ids, 0)
    for edge in edges:
        outgoing[edge["from"]].append(edge["to"])
        indegree[edge["to"]] += 1
    layer = dict.fromkeys(node_ids, 0)
    ready = [node for node in node_ids if indegree[node] == 0]
    while ready:
        node = ready.pop(0)
        for target in outgoing[node]:
            layer[target] = max(layer[target], layer[node] + 1)
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return layer


def layout(node_ids: Sequence[str], edges: Sequence[Mapping[str, Any]]) -> Layout:
    """The boxes of ``node_ids`` and the lines of ``edges`` (each ``{"from", "to"}`` between
    two of them), placed."""
    layer = layers(node_ids, edges)
    columns: dict[int, list[str]] = {}
    for node_id in node_ids:  # document order within a column keeps branches stable
        columns.setdefault(layer[node_id], []).append(node_id)
    tallest = max((len(column) for column in columns.values()), default=1)
    skipping = any(layer[e["to"]] - layer[e["from"]] > 1 for e in edges)
    top_room = ARC_ROOM if skipping else 0
    height = top_room + MARGIN * 2 + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP
    boxes: dict[str, Box] = {}
    for number, column in columns.items():
        used = len(column) * NODE_HEIGHT + (len(column) - 1) * ROW_GAP
        top = top_room + (height - top_room - used) // 2
        for index, node_id in enumerate(column):
            boxes[node_id] = Box(
                node_id,
                MARGIN + number * (NODE_WIDTH + COLUMN_GAP),
                top + index * (NODE_HEIGHT + ROW_GAP),
            )
    lines = [_line(edge, boxes, columns, layer) for edge in edges]
    width = MARGIN * 2 + max(len(columns), 1) * NODE_WIDTH + (len(columns) - 1) * COLUMN_GAP
    return Layout(boxes, lines, width, height)


def _line(
    edge: Mapping[str, Any],
    boxes: Mapping[str, Box],
    columns: Mapping[int, list[str]],
    layer: Mapping[str, int],
) -> Line:
    start, end = boxes[edge["from"]], boxes[edge["to"]]
    x1, y1 = start.x + NODE_WIDTH, start.y + NODE_HEIGHT // 2
    x2, y2 = end.x, end.y + NODE_HEIGHT // 2
    between = [
        boxes[node_id].y
        for number in range(layer[edge["from"]] + 1, layer[edge["to"]])
        for node_id in columns.get(number, ())
    ]
    if between:
        # Control points this far above make the curve's peak clear the boxes' tops.
        lane = min(between) - ARC_ROOM - NODE_HEIGHT // 3
        path = f"M{x1},{y1} C{x1 + BEND * 3},{lane} {x2 - BEND * 3},{lane} {x2},{y2}"
        peak = round(0.25 * (y1 + y2) / 2 + 0.75 * lane)
        return Line(start.id, end.id, path, (x1 + x2) // 2, peak - 4)
    path = f"M{x1},{y1} C{x1 + BEND},{y1} {x2 - BEND},{y2} {x2},{y2}"
    return Line(start.id, end.id, path, (x1 + x2) // 2, (y1 + y2) // 2 - 6)


# --- The review's drawing ---------------------------------------------------------------------

# Box fill, outline and text colour per mark; an unmarked node is white with a grey outline.
# Bootstrap 3's success, danger and warning tones, which stay apart when printed in grey
# because each mark also has its own outline style and word.
MARK_STYLES = {
    "added": ("#dff0d8", "#3c763d", "#3c763d", ""),
    "removed": ("#f2dede", "#a94442", "#a94442", "6 4"),
    "changed": ("#fcf8e3", "#b9770e", "#8a6d3b", ""),
    None: ("#ffffff", "#bbbbbb", "#333333", ""),
}
_FONT = 'font-family="sans-serif"'


@dataclass(frozen=True)
class DrawnNode:
    """A node as the review draws it: its name, its type's name, and its mark (None, "added",
    "removed" or "changed")."""

    id: str
    name: str
    type_label: str
    mark: str | None = None


@dataclass(frozen=True)
class DrawnEdge:
    """An edge as the review draws it: its label and its mark."""

    source: str
    target: str
    label: str = ""
    mark: str | None = None


def chain_svg(
    nodes: Sequence[DrawnNode],
    edges: Sequence[DrawnEdge],
    *,
    title: str,
    svg_id: str,
    mark_words: Mapping[str, str],
) -> Markup:
    """The chain as inline SVG, each node and edge coloured and named by its mark.

    ``mark_words`` gives each mark's word in the reader's language (shown in a marked box and
    in the node's ``<title>``); ``title`` names the drawing for screen readers.
    """
    ids = [node.id for node in nodes]
    known = set(ids)
    kept = [edge for edge in edges if edge.source in known and edge.target in known]
    placed = layout(ids, [{"from": e.source, "to": e.target} for e in kept])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(svg_id)}" class="oa-review-chain"'
        f' role="img" aria-labelledby="{escape(svg_id)}-title"'
        f' viewBox="0 0 {placed.width} {placed.height}" preserveAspectRatio="xMinYMin meet"'
        # As the trace: as wide as its box up to life size, never below 60 % (then it
        # scrolls inside its box, as on a phone).
        f' style="display: block; width: 100%; height: auto; min-width: {placed.width * 6 // 10}px;'
        f' max-width: {placed.width}px">',
        f'<title id="{escape(svg_id)}-title">{escape(title)}</title>',
        "<defs>",
    ]
    for mark, (_fill, stroke, _text, _dash) in MARK_STYLES.items():
        parts.append(
            f'<marker id="{escape(svg_id)}-arrow-{mark or "same"}" viewBox="0 0 10 10" refX="10"'
            ' refY="5" markerWidth="7" markerHeight="7" orient="auto">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{stroke}"/></marker>'
        )
    # The second line (a mark's word and the type's name, translated words) is clipped to
    # the box rather than cut in the middle of a word.
    parts.append(
        f'<clipPath id="{escape(svg_id)}-clip"><rect x="0" y="0" width="{NODE_WIDTH - 6}"'
        f' height="{NODE_HEIGHT}"/></clipPath>'
    )
    parts.append("</defs>")
    for edge, line in zip(kept, placed.lines, strict=True):
        _fill, stroke, text_colour, dash = MARK_STYLES[edge.mark]
        width = 1.5 if edge.mark is None else 2.5
        parts.append(
            f'<path d="{line.path}" fill="none" stroke="{stroke}" stroke-width="{width}"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + f' marker-end="url(#{escape(svg_id)}-arrow-{edge.mark or "same"})"'
            f' data-oa-edge="{escape(edge.source)}-{escape(edge.target)}"'
            f' data-oa-mark="{edge.mark or ""}">'
            + (f"<title>{escape(mark_words[edge.mark])}</title>" if edge.mark else "")
            + "</path>"
        )
        if edge.label:
            parts.append(
                f'<text x="{line.label_x}" y="{line.label_y}" text-anchor="middle"'
                f' {_FONT} font-size="10" fill="{text_colour}">{escape(_short(edge.label, 20))}'
                "</text>"
            )
    for node in nodes:
        box = placed.boxes[node.id]
        fill, stroke, text_colour, dash = MARK_STYLES[node.mark]
        width = 1.5 if node.mark is None else 3
        word = mark_words[node.mark] if node.mark else ""
        summary = f"{word} · {node.type_label}" if word else node.type_label
        parts.append(
            f'<g transform="translate({box.x},{box.y})" data-oa-node="{escape(node.id)}"'
            f' data-oa-mark="{node.mark or ""}">'
            f"<title>{escape(node.name)} ({escape(node.type_label)})"
            + (f" — {escape(word)}" if word else "")
            + "</title>"
            f'<rect width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="6" ry="6" fill="{fill}"'
            f' stroke="{stroke}" stroke-width="{width}"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + "/>"
            f'<text x="10" y="24" {_FONT} font-size="13" font-weight="bold" fill="{text_colour}">'
            f"{escape(_short(node.name, 20))}</text>"
            f'<text x="10" y="44" {_FONT} font-size="11" fill="{text_colour}"'
            f' clip-path="url(#{escape(svg_id)}-clip)">{escape(summary)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above is escaped


def legend_svg(mark_words: Mapping[str, str], svg_id: str) -> Markup:
    """The marks' key: a small box of each mark's style beside its word."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(svg_id)}" class="oa-review-legend"'
        f' role="img" aria-label="{escape(", ".join(mark_words.values()))}"'
        ' viewBox="0 0 420 24" style="display: block; width: 100%; max-width: 420px; height: auto">'
    ]
    for index, (mark, word) in enumerate(mark_words.items()):
        fill, stroke, _text, dash = MARK_STYLES[mark]
        left = 4 + index * 140
        parts.append(
            f'<rect x="{left}" y="4" width="22" height="14" rx="3" fill="{fill}" stroke="{stroke}"'
            ' stroke-width="2"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + f' data-oa-legend="{mark}"/>'
            f'<text x="{left + 28}" y="16" {_FONT} font-size="12" fill="#333">{escape(word)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above is escaped


def _short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` units of width (a Chinese character is two), with "…"."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used > limit:
            return text[: max(index - 1, 0)] + "…"
    return text
