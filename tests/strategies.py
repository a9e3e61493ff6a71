"""Hypothesis strategies for definition documents (format 1), and an independent check of them.

``definitions()`` draws documents that satisfy the JSON Schema *and* the publish-time rules
(docs/definition-format.md, "Validation"), naming only the demo organisation
(oa_platform/demo.py). ``hostile_text()`` draws strings meant to break escaping.

``publish_problems()`` is a small, deliberately separate statement of the publish-time rules,
used to prove that the strategies (and the examples) keep them. It is not the platform's
validator (that lives in form_builder); where the two disagree, one of them has a bug.
"""

from __future__ import annotations

import ast
import datetime
import itertools
import json
import re
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from form_builder.directory import NamedUser
from plugins.contract import NodeKind, NodeType
from plugins.node_types.approval import Approval
from plugins.node_types.collaboration import Collaboration
from plugins.node_types.condition import Condition
from plugins.node_types.distribute import Distribute
from plugins.node_types.document_number import DocumentNumber
from plugins.node_types.document_review import DocumentReview
from plugins.node_types.end import End
from plugins.node_types.form_review import FormReview
from plugins.node_types.notice_release import NoticeRelease
from plugins.node_types.notify import Notify
from plugins.node_types.parallel import ParallelJoin, ParallelSplit
from plugins.node_types.start import Start

# The demo organisation (oa_platform/demo.py, oa_platform/roles.py).
DEMO_USERS = (
    "admin", "hr", "mc", "leader", "head", "staff", "finance", "auditor", "newhire", "clerk",
    "secretary",
)  # fmt: skip
DEMO_ROLES = ("Admin", "HR", "Management Center", "Unit Head", "Staff", "Auditor")
DEMO_DEPARTMENTS = ("OFFICE", "IT", "HR", "MC", "FIN", "GM", "SALES")
DEMO_COMPANIES = ("GRP", "HLD", "SLS")
DEMO_POSITIONS = ("Chairman", "General Manager", "Director", "Manager", "Engineer", "Clerk")

NODE_TYPES: dict[str, NodeType] = {
    cls.name: cls()
    for cls in (
        Start,
        End,
        Approval,
        FormReview,
        Collaboration,
        Notify,
        Condition,
        ParallelSplit,
        ParallelJoin,
        DocumentReview,
        DocumentNumber,
        Distribute,
        NoticeRelease,
    )
}
TASK_TYPES = ("approval", "form_review", "collaboration", "notify")

FIELD_TYPES = (
    "text",
    "textarea",
    "number",
    "money",
    "date",
    "datetime",
    "select",
    "multi_select",
    "radio",
    "checkbox",
    "user",
    "department",
    "attachments",
    "rich_text",
    "table",
    "computed",
    "section",
)
COLUMN_TYPES = (
    "text",
    "number",
    "money",
    "date",
    "datetime",
    "select",
    "checkbox",
    "user",
    "department",
    "computed",
)
ATTACHMENT_TYPES = (
    "pdf",
    "png",
    "jpg",
    "gif",
    "webp",
    "docx",
    "xlsx",
    "pptx",
    "odt",
    "ods",
    "txt",
    "csv",
    "zip",
)

# The value type an expression sees for a field of each type (tables are handled apart).
VALUE_TYPES = {
    "text": "text",
    "textarea": "text",
    "rich_text": "text",
    "select": "text",
    "radio": "text",
    "user": "text",
    "department": "text",
    "number": "number",
    "money": "money",
    "date": "date",
    "datetime": "datetime",
    "checkbox": "boolean",
    "multi_select": "list:text",
    "attachments": "list:attachment",
    "security_level": "text",
    "recipients": "text",
}

HOSTILE_FRAGMENTS = (
    "<script>alert(1)</script>",
    "</textarea><img src=x onerror=alert(1)>",
    '"',
    "'",
    "\\",
    "{{ 7*7 }}",
    "{% if true %}x{% endif %}",
    "${7*7}",
    "&amp;&lt;&#x27;",
    "javascript:alert(1)",
    "' OR '1'='1",
    "]]>",
    "\u202eevil.exe",
    "\u200b",
    "Zoë Ångström",
    "请假申请",
    "休暇",
    "😀👍🏽",
    "\r\n",
    "%s%n",
)
PLAIN_LABELS = (
    "Amount",
    "Reason",
    "Start date",
    "Department",
    "Remarks",
    "Leave type",
    "Attachments",
    "Approver's note",
)
CATEGORIES = ("Human resources", "Finance", "Administration", "Sales", "Information technology")
# (pattern, a value it accepts)
PATTERNS = (
    (r"^[0-9]{12,19}$", "6222020200112233"),
    (r"^[A-Z]{2}-[0-9]{4}$", "AB-1234"),
    (r"^[a-z][a-z0-9_]*$", "draft_1"),
    (r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", "someone@example.com"),
)

_SAFE_CHARACTERS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
_DATES = st.dates(datetime.date(1990, 1, 1), datetime.date(2100, 12, 31))
_DATETIMES = st.datetimes(datetime.datetime(1990, 1, 1), datetime.datetime(2100, 12, 31))


@st.composite
def hostile_text(draw, min_size: int = 1, max_size: int = 200) -> str:
    """Text with markup, template syntax, quotes and non-ASCII; ``min_size..max_size`` long.

    Starts with a hostile fragment (when it fits); never contains NUL or lone surrogates,
    which JSON storage in PostgreSQL refuses anyway.
    """
    pieces = [draw(st.sampled_from(HOSTILE_FRAGMENTS))]
    pieces += draw(
        st.lists(
            st.one_of(st.sampled_from(HOSTILE_FRAGMENTS), st.text(_SAFE_CHARACTERS, max_size=8)),
            max_size=4,
        )
    )
    text = "".join(pieces)[:max_size]
    return text + "x" * (min_size - len(text))


def _label(max_size: int = 200) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(PLAIN_LABELS), hostile_text(max_size=max_size))


def _literal(value: str) -> str:
    """A string literal of the expression language."""
    return json.dumps(value, ensure_ascii=False)


# --- fields ---------------------------------------------------------------------------------


@st.composite
def _options(draw) -> list[dict[str, str]]:
    values = draw(
        st.lists(
            st.one_of(
                st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True),
                hostile_text(max_size=64),
            ),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    return [{"value": value, "label": draw(_label())} for value in values]


def _text_members(draw, field: dict[str, Any], with_pattern: bool) -> None:
    default = None
    if with_pattern and draw(st.booleans()):
        field["pattern"], default = draw(st.sampled_from(PATTERNS))
    elif draw(st.booleans()):
        default = draw(st.one_of(st.sampled_from(PLAIN_LABELS), hostile_text(max_size=60)))
    if default is not None and draw(st.booleans()):
        field["default"] = {"kind": "literal", "value": default}
    floor = len(default) if "default" in field else 0
    if draw(st.booleans()):
        field["min_length"] = draw(st.integers(0, floor if "default" in field else 20))
    if draw(st.booleans()):
        field["max_length"] = draw(st.integers(max(floor, field.get("min_length", 0), 1), 4000))


def _number_members(draw, field: dict[str, Any]) -> None:
    low = draw(st.integers(-1000, 1000))
    high = low + draw(st.integers(0, 100_000))
    if draw(st.booleans()):
        field["min"] = low
    if draw(st.booleans()):
        field["max"] = high
    if field["type"] == "number" and draw(st.booleans()):
        field["decimals"] = draw(st.integers(0, 6))
    if draw(st.booleans()):
        value: int | str = draw(st.integers(low, high))
        if field["type"] == "money" and draw(st.booleans()):
            value = f"{value}.00"  # the stored form: two decimals
        field["default"] = {"kind": "literal", "value": value}


def _scalar_members(draw, field: dict[str, Any]) -> None:
    """The members of a field's (or column's) type, defaults included."""
    kind = field["type"]
    if kind in ("text", "textarea"):
        _text_members(draw, field, with_pattern=True)
    elif kind == "rich_text":
        _text_members(draw, field, with_pattern=False)
    elif kind in ("number", "money"):
        _number_members(draw, field)
    elif kind == "date":
        default = draw(
            st.one_of(
                st.none(),
                st.just({"kind": "today"}),
                _DATES.map(lambda d: {"kind": "literal", "value": d.isoformat()}),
            )
        )
        if default:
            field["default"] = default
    elif kind == "datetime":
        default = draw(
            st.one_of(
                st.none(),
                st.just({"kind": "now"}),
                _DATETIMES.map(
                    lambda d: {"kind": "literal", "value": d.isoformat(timespec="minutes")}
                ),
            )
        )
        if default:
            field["default"] = default
    elif kind in ("select", "radio", "multi_select"):
        field["options"] = draw(_options())
        values = [option["value"] for option in field["options"]]
        if draw(st.booleans()):
            if kind == "multi_select":
                chosen = draw(st.lists(st.sampled_from(values), unique=True))
                field["default"] = {"kind": "literal", "value": chosen}
            else:
                field["default"] = {"kind": "literal", "value": draw(st.sampled_from(values))}
    elif kind == "checkbox":
        if draw(st.booleans()):
            field["default"] = {"kind": "literal", "value": draw(st.booleans())}
    elif kind == "user":
        default = draw(
            st.one_of(
                st.none(),
                st.just({"kind": "current_user"}),
                st.sampled_from(DEMO_USERS).map(lambda u: {"kind": "literal", "value": u}),
            )
        )
        if default:
            field["default"] = default
    elif kind == "department":
        default = draw(
            st.one_of(
                st.none(),
                st.just({"kind": "current_department"}),
                st.sampled_from(DEMO_DEPARTMENTS).map(lambda d: {"kind": "literal", "value": d}),
            )
        )
        if default:
            field["default"] = default
    elif kind == "attachments":
        if draw(st.booleans()):
            field["max_files"] = draw(st.integers(1, 20))
        if draw(st.booleans()):
            field["max_size_mb"] = draw(st.sampled_from((0.5, 1, 5, 10, 25, 100)))
        if draw(st.booleans()):
            field["accept"] = draw(
                st.lists(st.sampled_from(ATTACHMENT_TYPES), min_size=1, max_size=5, unique=True)
            )


def _names(fields: list[dict[str, Any]]) -> dict[str, Any]:
    """What an expression sees: a value type per field, a column-type map per table."""
    names: dict[str, Any] = {}
    for field in fields:
        if field["type"] == "table":
            names[field["key"]] = _names(field["columns"])
        elif field["type"] == "computed":
            names[field["key"]] = field["result"]
        elif field["type"] != "section":
            names[field["key"]] = VALUE_TYPES[field["type"]]
    return names


def _operands(names: Mapping[str, Any]) -> dict[str, list[str]]:
    """Sub-expressions of each type that can be built from ``names``."""
    found: dict[str, list[str]] = {
        t: [] for t in ("number", "money", "text", "date", "boolean", "list:text")
    }
    for key, kind in names.items():
        if isinstance(kind, dict):
            for column, column_kind in kind.items():
                found["number"].append(f"count({key}.{column})")
                if column_kind in ("number", "money"):
                    found[column_kind].append(f"sum({key}.{column})")
        elif kind in found:
            found[kind].append(key)
    dates = found["date"]
    for first, second in itertools.pairwise(dates):
        found["number"].append(f"days_between({first}, {second})")
    found["date"].append("today()")
    return found


@st.composite
def _condition(draw, names: Mapping[str, Any], depth: int = 0) -> str:
    """A boolean expression over ``names``."""
    if depth < 2 and draw(st.integers(0, 3)) == 0:
        left = draw(_condition(names, depth + 1))
        right = draw(_condition(names, depth + 1))
        joiner = draw(st.sampled_from(("and", "or")))
        result = f"({left}) {joiner} ({right})"
        return f"not ({result})" if draw(st.booleans()) else result
    found = _operands(names)
    atoms = ['today() >= date("2020-01-01")']
    for operand in found["number"] + found["money"]:
        op = draw(st.sampled_from((">", ">=", "<", "<=", "==", "!=")))
        atoms.append(f"{operand} {op} {draw(st.integers(-10, 10_000))}")
    for operand in found["text"]:
        atoms.append(f"{operand} == {_literal(draw(st.sampled_from(PLAIN_LABELS)))}")
    for operand in found["date"]:
        atoms.append(f"days_between(today(), {operand}) > {draw(st.integers(0, 30))}")
        atoms.append(f'{operand} >= date("2024-01-01")')
    for operand in found["boolean"]:
        atoms.append(draw(st.sampled_from((operand, f"not {operand}"))))
    for operand in found["list:text"]:
        atoms.append(f"{_literal(draw(hostile_text(max_size=10)))} in {operand}")
    return draw(st.sampled_from(atoms))


def _choice_conditions(fields: list[dict[str, Any]]) -> list[str]:
    """Conditions on option values, the common case in real definitions."""
    found = []
    for field in fields:
        for option in field.get("options", ()):
            value = _literal(option["value"])
            if field["type"] == "multi_select":
                found.append(f"{value} in {field['key']}")
            else:
                found.append(f"{field['key']} == {value}")
                found.append(f"{field['key']} in [{value}]")
    return found


@st.composite
def _boolean_expression(draw, fields: list[dict[str, Any]]) -> str:
    choices = _choice_conditions([f for f in fields if f["type"] != "table"])
    if choices and draw(st.booleans()):
        return draw(st.sampled_from(choices))
    return draw(_condition(_names(fields)))


@st.composite
def _computed(draw, names: Mapping[str, Any]) -> tuple[str, str]:
    """(expression, result) of a computed field or column over ``names``."""
    found = _operands(names)
    candidates = ["number", "text", "date", "boolean"]
    if found["money"]:
        candidates.append("money")
    result = draw(st.sampled_from(candidates))
    if result == "number":
        pool = [*found["number"], str(draw(st.integers(0, 100)))]
        a, b = draw(st.sampled_from(pool)), draw(st.sampled_from(pool))
        template = draw(
            st.sampled_from(
                (
                    "{a}",
                    "{a} + {b}",
                    "{a} * {b}",
                    "round({a} / 3, 2)",
                    "abs({a} - {b})",
                    "max([{a}, {b}])",
                    "min([{a}, {b}])",
                    "{a} % 7",
                )
            )
        )
        return template.format(a=a, b=b), result
    if result == "money":
        a, b = draw(st.sampled_from(found["money"])), draw(st.sampled_from(found["money"]))
        template = draw(st.sampled_from(("{a}", "{a} + {b}", "{a} - {b}", "{a} * 2")))
        return template.format(a=a, b=b), result
    if result == "text":
        pool = [*found["text"], _literal(draw(hostile_text(max_size=20)))]
        a, b = draw(st.sampled_from(pool)), draw(st.sampled_from(pool))
        condition = draw(_condition(names))
        return draw(st.sampled_from((a, f"{a} if {condition} else {b}", f"{a} + {b}"))), result
    if result == "date":
        pool = [*found["date"], 'date("2024-06-30")']
        a, b = draw(st.sampled_from(pool)), draw(st.sampled_from(pool))
        condition = draw(_condition(names))
        return draw(st.sampled_from((a, f"{a} if {condition} else {b}"))), result
    return draw(_condition(names)), result


@st.composite
def _column(draw, key: str, row: list[dict[str, Any]]) -> dict[str, Any]:
    column: dict[str, Any] = {
        "key": key,
        "type": draw(st.sampled_from(COLUMN_TYPES)),
        "label": draw(_label()),
    }
    if draw(st.booleans()):
        column["help"] = draw(hostile_text(max_size=1000))
    if column["type"] == "computed":
        column["expression"], column["result"] = draw(_computed(_names(row)))
        return column
    if draw(st.booleans()):
        column["required"] = draw(st.booleans())
    _scalar_members(draw, column)
    return column


@st.composite
def _field(draw, key: str, kind: str, earlier: list[dict[str, Any]]) -> dict[str, Any]:
    field: dict[str, Any] = {"key": key, "type": kind, "label": draw(_label())}
    if draw(st.booleans()):
        field["help"] = draw(hostile_text(max_size=1000))
    if draw(st.booleans()):
        field["width"] = draw(st.sampled_from(("full", "half", "third")))
    if earlier and draw(st.integers(0, 3)) == 0:
        field["visible_if"] = draw(_boolean_expression(earlier))
    if kind == "section":
        return field
    if kind == "computed":
        field["expression"], field["result"] = draw(_computed(_names(earlier)))
        return field
    if draw(st.booleans()):
        field["required"] = draw(st.booleans())
    if kind == "table":
        columns: list[dict[str, Any]] = []
        for index in range(draw(st.integers(1, 4))):
            columns.append(draw(_column(f"c{index}_{draw(_word)}", columns)))
        field["columns"] = columns
        low = draw(st.integers(0, 5))
        if draw(st.booleans()):
            field["min_rows"] = low
        if draw(st.booleans()):
            field["max_rows"] = draw(st.integers(max(low, 1), 500))
        return field
    _scalar_members(draw, field)
    return field


_word = st.sampled_from(("amount", "days", "reason", "note", "item", "date", "who", "unit"))


@st.composite
def fields(draw, max_fields: int = 8) -> list[dict[str, Any]]:
    """Top-level fields: each type may appear; visible_if and computed look at earlier ones."""
    drawn: list[dict[str, Any]] = []
    for index in range(draw(st.integers(0, max_fields))):
        kind = draw(st.sampled_from(FIELD_TYPES))
        drawn.append(draw(_field(f"f{index}_{draw(_word)}", kind, list(drawn))))
    return drawn


# --- nodes and edges ------------------------------------------------------------------------


@st.composite
def assignees(draw, field_list: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An assignee rule naming the demo organisation (and user/department fields, if any)."""
    people = [f["key"] for f in field_list or () if f["type"] in ("user", "department")]
    rules = ["users", "role", "department_head", "leader_in_charge", "position", "initiator"]
    rule = draw(st.sampled_from(rules + (["field"] if people else [])))
    if rule == "users":
        users = draw(st.lists(st.sampled_from(DEMO_USERS), min_size=1, max_size=3, unique=True))
        return {"rule": rule, "users": users}
    if rule == "role":
        return {"rule": rule, "role": draw(st.sampled_from(DEMO_ROLES))}
    if rule == "department_head":
        levels = draw(st.one_of(st.none(), st.integers(1, 3)))
        return {"rule": rule} if levels is None else {"rule": rule, "levels": levels}
    if rule == "position":
        found = {"rule": rule, "position": draw(st.sampled_from(DEMO_POSITIONS))}
        scope = draw(st.sampled_from((None, "department", "company")))
        if scope == "department":
            found["department"] = draw(st.sampled_from(DEMO_DEPARTMENTS))
        elif scope == "company":
            found["company"] = draw(st.sampled_from(DEMO_COMPANIES))
        return found
    if rule == "field":
        return {"rule": rule, "field": draw(st.sampled_from(people))}
    return {"rule": rule}


@st.composite
def field_access(draw, field_list: list[dict[str, Any]]) -> dict[str, str]:
    """A node's field access over some of the top-level fields; computed ones never "edit"."""
    keys = [f for f in field_list if f["type"] != "section"]
    chosen = draw(st.lists(st.sampled_from(keys), unique_by=lambda f: f["key"])) if keys else []
    return {
        f["key"]: draw(
            st.sampled_from(
                ("read", "hidden") if f["type"] == "computed" else ("edit", "read", "hidden")
            )
        )
        for f in chosen
    }


class _Chain:
    """Nodes and edges under construction; ``tails`` are (node id, edge members) to connect."""

    def __init__(self, draw, field_list: list[dict[str, Any]]) -> None:
        self.draw = draw
        self.fields = field_list
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []

    def node(self, kind: str) -> str:
        node_id = f"{kind}_{len(self.nodes)}" if kind != "start" else "start"
        node: dict[str, Any] = {"id": node_id, "type": kind, "name": self.draw(_label(128))}
        draw = self.draw
        if kind in TASK_TYPES:
            node["assignee"] = draw(assignees(self.fields))
            if draw(st.booleans()):
                node["deadline_hours"] = draw(st.sampled_from((0.5, 1, 8, 24, 48, 72, 168)))
            if kind == "collaboration" and draw(st.booleans()):
                node["config"] = draw(_collaboration_config())
        if kind in TASK_TYPES or kind == "start":
            actions = [str(a) for a in NODE_TYPES[kind].actions]
            if draw(st.integers(0, 3)) == 0:
                node["actions"] = draw(st.lists(st.sampled_from(actions), min_size=1, unique=True))
            if draw(st.booleans()):
                node["field_access"] = draw(field_access(self.fields))
        self.nodes.append(node)
        return node_id

    def connect(self, tails: list[tuple[str, dict[str, Any]]], target: str) -> None:
        for source, members in tails:
            self.edges.append({"from": source, "to": target, **members})

    def tasks(self, tails: list[tuple[str, dict[str, Any]]], count: int):
        for _ in range(count):
            task = self.node(self.draw(st.sampled_from(TASK_TYPES)))
            self.connect(tails, task)
            tails = [(task, {})]
        return tails

    def branch(self, tails):
        """A condition node: conditional branches and one default; at most one skips on."""
        draw = self.draw
        gateway = self.node("condition")
        self.connect(tails, gateway)
        kinds = draw(
            st.lists(st.sampled_from(("tasks", "skip", "end")), min_size=2, max_size=3).filter(
                lambda k: k.count("skip") <= 1 and any(x != "end" for x in k)
            )
        )
        default = draw(st.integers(0, len(kinds) - 1))
        out: list[tuple[str, dict[str, Any]]] = []
        for index, kind in enumerate(kinds):
            members: dict[str, Any] = {}
            if draw(st.booleans()):
                members["label"] = draw(_label(128))
            if index == default:
                members["default"] = True
            else:
                members["condition"] = draw(_boolean_expression(self.fields))
            if kind == "skip":
                out.append((gateway, members))
                continue
            branch_tails = [(gateway, members)]
            if kind == "tasks" or draw(st.booleans()):
                branch_tails = self.tasks(branch_tails, draw(st.integers(1, 2)))
            if kind == "end":
                self.connect(branch_tails, self.node("end"))
            else:
                out += branch_tails
        return out

    def parallel(self, tails):
        """A parallel split, 2-3 branches of 1-2 tasks, and their join."""
        draw = self.draw
        split = self.node("parallel_split")
        self.connect(tails, split)
        ends = []
        for _ in range(draw(st.integers(2, 3))):
            ends += self.tasks([(split, {})], draw(st.integers(1, 2)))
        join = self.node("parallel_join")
        self.connect(ends, join)
        return [(join, {})]


@st.composite
def _collaboration_config(draw) -> dict[str, Any]:
    config: dict[str, Any] = {}
    mode = draw(st.sampled_from((None, "all", "any", "percentage")))
    if mode:
        config["mode"] = mode
    if mode == "percentage":
        config["percentage"] = draw(st.integers(1, 100))
    if draw(st.booleans()):
        config["signing"] = draw(st.sampled_from(("parallel", "sequential")))
    return config


@st.composite
def chains(draw, field_list: list[dict[str, Any]], max_segments: int = 4):
    """(nodes, edges): start, 1..max_segments of task / condition / parallel, end."""
    chain = _Chain(draw, field_list)
    tails: list[tuple[str, dict[str, Any]]] = [(chain.node("start"), {})]
    segments = draw(
        st.lists(
            st.sampled_from(("tasks", "branch", "parallel")), min_size=1, max_size=max_segments
        )
    )
    for segment in segments:
        if segment == "tasks":
            tails = chain.tasks(tails, draw(st.integers(1, 2)))
        elif segment == "branch":
            tails = chain.branch(tails)
        else:
            tails = chain.parallel(tails)
    chain.connect(tails, chain.node("end"))
    return chain.nodes, chain.edges


@st.composite
def definitions(draw, max_fields: int = 8, max_segments: int = 4) -> dict[str, Any]:
    """A complete, valid definition document (schema and publish-time rules)."""
    field_list = draw(fields(max_fields))
    nodes, edges = draw(chains(field_list, max_segments))
    document: dict[str, Any] = {
        "format": 1,
        "key": draw(st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True)),
        "name": draw(_label(128)),
        "category": draw(st.one_of(st.sampled_from(CATEGORIES), hostile_text(max_size=64))),
        "department": draw(st.sampled_from(DEMO_DEPARTMENTS)),
        "fields": field_list,
        "nodes": nodes,
        "edges": edges,
    }
    if draw(st.booleans()):
        document["description"] = draw(hostile_text(max_size=4000))
    return document


class DemoDirectory:
    """The demo organisation as a ``form_builder.directory.Directory`` for the validator."""

    def active_user_exists(self, username):
        return username in DEMO_USERS

    def role_exists(self, name):
        return name in DEMO_ROLES

    def department_exists(self, code):
        return code in DEMO_DEPARTMENTS

    def company_exists(self, code):
        return code in DEMO_COMPANIES

    def position_exists(self, name):
        return name in DEMO_POSITIONS

    def users_named(self, usernames):
        return {name: NamedUser(name, True) for name in DEMO_USERS if name in usernames}

    def department_choices(self):
        return [(code, code) for code in DEMO_DEPARTMENTS]

    def department_of(self, username):
        return "IT"


# --- an independent statement of the publish-time rules ---------------------------------------

_COMPARABLE = {"number": "number", "money": "number"}


def _same(a: str, b: str) -> bool:
    return _COMPARABLE.get(a, a) == _COMPARABLE.get(b, b)


def expression_type(source: str, names: Mapping[str, Any]) -> str:
    """The type of an expression of the safe language; ValueError if it is not one.

    ``names`` maps a field key to its value type, or a table key to a {column: type} map.
    Types: number, money, text, date, datetime, boolean, list:<type>.
    """
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise ValueError(f"syntax: {error.msg}") from None
    return _type_of(tree.body, names)


def _type_of(node: ast.AST, names: Mapping[str, Any]) -> str:
    def sub(child: ast.AST) -> str:
        return _type_of(child, names)

    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return "boolean"
        if isinstance(node.value, int | float):
            return "number"
        if isinstance(node.value, str):
            return "text"
        raise ValueError(f"literal {node.value!r}")
    if isinstance(node, ast.Name):
        kind = names.get(node.id)
        if kind is None or isinstance(kind, dict):
            raise ValueError(f"unknown name {node.id!r}")
        return kind
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        table = names.get(node.value.id)
        if not isinstance(table, dict) or node.attr not in table:
            raise ValueError(f"unknown column {node.value.id}.{node.attr}")
        return f"list:{table[node.attr]}"
    if isinstance(node, ast.List):
        kinds = {sub(item) for item in node.elts}
        if len({_COMPARABLE.get(k, k) for k in kinds}) > 1:
            raise ValueError("mixed list")
        return f"list:{kinds.pop()}" if kinds else "list:any"
    if isinstance(node, ast.BoolOp):
        if any(sub(value) != "boolean" for value in node.values):
            raise ValueError("and/or over non-booleans")
        return "boolean"
    if isinstance(node, ast.UnaryOp):
        operand = sub(node.operand)
        if isinstance(node.op, ast.Not) and operand == "boolean":
            return "boolean"
        if isinstance(node.op, ast.USub | ast.UAdd) and operand in ("number", "money"):
            return operand
        raise ValueError("bad unary operand")
    if isinstance(node, ast.BinOp):
        return _binary(node.op, sub(node.left), sub(node.right))
    if isinstance(node, ast.Compare):
        left = sub(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = sub(comparator)
            if isinstance(op, ast.In | ast.NotIn):
                member = right[5:] if right.startswith("list:") else None
                ok = left == right == "text" or member == "any" or _same(member or "", left)
            elif isinstance(op, ast.Eq | ast.NotEq | ast.Lt | ast.LtE | ast.Gt | ast.GtE):
                ok = _same(left, right)
            else:
                ok = False
            if not ok:
                raise ValueError(f"cannot compare {left} with {right}")
            left = right
        return "boolean"
    if isinstance(node, ast.IfExp):
        if sub(node.test) != "boolean":
            raise ValueError("if-condition is not boolean")
        body, orelse = sub(node.body), sub(node.orelse)
        if body != orelse:
            raise ValueError("branches differ in type")
        return body
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        return _call(node.func.id, [sub(arg) for arg in node.args], node.args)
    raise ValueError(f"not allowed: {type(node).__name__}")


def _binary(op: ast.operator, left: str, right: str) -> str:
    numeric = ("number", "money")
    if isinstance(op, ast.Add) and left == right == "text":
        return "text"
    if left in numeric and right in numeric:
        if isinstance(op, ast.Add | ast.Sub):
            return "money" if "money" in (left, right) else "number"
        if isinstance(op, ast.Mult | ast.Div | ast.Mod) and right == "number":
            return left  # money * number is money; money * money means nothing
    raise ValueError(f"no operator for {left} and {right}")


def _call(name: str, args: list[str], nodes: list[ast.expr]) -> str:
    if name in ("sum", "min", "max") and len(args) == 1 and args[0][5:] in ("number", "money"):
        return args[0][5:]
    if name == "count" and len(args) == 1 and args[0].startswith("list:"):
        return "number"
    if name == "round" and args[:1] in (["number"], ["money"]) and args[1:] in ([], ["number"]):
        return args[0]
    if name == "abs" and args in (["number"], ["money"]):
        return args[0]
    if name == "today" and not args:
        return "date"
    if name == "date" and args == ["text"] and isinstance(nodes[0], ast.Constant):
        datetime.date.fromisoformat(nodes[0].value)
        return "date"
    if name == "days_between" and args == ["date", "date"]:
        return "number"
    raise ValueError(f"bad call {name}({', '.join(args)})")


def _default_problem(field: dict[str, Any]) -> str | None:
    default, kind = field.get("default"), field["type"]
    if default is None:
        return None
    allowed = {"current_user": "user", "current_department": "department"}
    allowed |= {"today": "date", "now": "datetime"}
    if default["kind"] != "literal":
        return None if allowed[default["kind"]] == kind else f"{default['kind']} for {kind}"
    value = default["value"]
    values = [option["value"] for option in field.get("options", ())]
    ok = {
        "text": isinstance(value, str),
        "textarea": isinstance(value, str),
        "rich_text": isinstance(value, str),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "money": (isinstance(value, int | float) and not isinstance(value, bool))
        or (isinstance(value, str) and bool(re.fullmatch(r"-?\d+(\.\d{1,2})?", value))),
        "checkbox": isinstance(value, bool),
        "select": value in values,
        "security_level": value in values,
        "radio": value in values,
        "multi_select": isinstance(value, list) and all(v in values for v in value),
        "user": value in DEMO_USERS,
        "department": value in DEMO_DEPARTMENTS,
        "date": isinstance(value, str) and bool(re.fullmatch(r"\d{4}-\d\d-\d\d", value)),
        "datetime": isinstance(value, str)
        and bool(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", value)),
    }.get(kind, False)
    return None if ok else f"literal default {value!r} for {kind}"


def _field_problems(field: dict[str, Any], names: Mapping[str, Any], where: str) -> list[str]:
    problems = []
    pairs = (("min", "max"), ("min_length", "max_length"), ("min_rows", "max_rows"))
    for low, high in pairs:
        if low in field and high in field and field[low] > field[high]:
            problems.append(f"{where}: {low} > {high}")
    if "pattern" in field:
        try:
            re.compile(field["pattern"])
        except re.error:
            problems.append(f"{where}: bad pattern")
    values = [option["value"] for option in field.get("options", ())]
    if len(values) != len(set(values)):
        problems.append(f"{where}: option values repeat")
    if problem := _default_problem(field):
        problems.append(f"{where}: {problem}")
    checks = [("visible_if", "boolean")]
    if field["type"] == "computed":
        checks.append(("expression", field["result"]))
    for member, wanted in checks:
        if member in field:
            try:
                found = expression_type(field[member], names)
            except ValueError as error:
                problems.append(f"{where}.{member}: {error}")
                continue
            if found != wanted:
                problems.append(f"{where}.{member}: gives {found}, not {wanted}")
    return problems


def _names_read(source: str) -> set[str]:
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def publish_problems(document: Mapping[str, Any]) -> list[str]:
    """Which publish-time rules ``document`` breaks (empty if none); assumes it is schema-valid."""
    problems: list[str] = []
    field_list = document["fields"]
    keys = [f["key"] for f in field_list]
    if len(keys) != len(set(keys)):
        problems.append("field keys repeat")
    names = _names(field_list)
    by_key = {f["key"]: f for f in field_list}
    for index, field in enumerate(field_list):
        where = f"fields[{index}]"
        problems += _field_problems(field, names, where)
        if field["type"] == "section" and "visible_if" in field:
            under = itertools.takewhile(lambda f: f["type"] != "section", field_list[index + 1 :])
            if _names_read(field["visible_if"]) & {f["key"] for f in under}:
                problems.append(f"{where}.visible_if: reads a field under the section")
        columns = field.get("columns", ())
        if len({c["key"] for c in columns}) != len(columns):
            problems.append(f"{where}: column keys repeat")
        row = _names(columns)
        for number, column in enumerate(columns):
            problems += _field_problems(column, row, f"{where}.columns[{number}]")

    nodes = {n["id"]: n for n in document["nodes"]}
    if len(nodes) != len(document["nodes"]):
        problems.append("node ids repeat")
    kinds = {i: NODE_TYPES[n["type"]].kind for i, n in nodes.items() if n["type"] in NODE_TYPES}
    if len(kinds) != len(nodes):
        return [*problems, "unknown node type"]
    starts = [i for i, k in kinds.items() if k is NodeKind.START]
    if len(starts) != 1 or NodeKind.END not in kinds.values():
        return [*problems, "needs one start and an end"]
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in nodes}
    incoming: dict[str, list[str]] = {i: [] for i in nodes}
    pairs = set()
    for edge in document["edges"]:
        if edge["from"] not in nodes or edge["to"] not in nodes:
            return [*problems, f"edge to or from an unknown node: {edge}"]
        if (edge["from"], edge["to"]) in pairs:
            problems.append(f"duplicate edge {edge}")
        pairs.add((edge["from"], edge["to"]))
        out[edge["from"]].append(edge)
        incoming[edge["to"]].append(edge["from"])
    for node_id, node in nodes.items():
        kind = kinds[node_id]
        node_type = NODE_TYPES[node["type"]]
        if kind is NodeKind.START and incoming[node_id]:
            problems.append("start has incoming edges")
        if kind is NodeKind.END and out[node_id]:
            problems.append(f"end {node_id} has outgoing edges")
        if kind is not NodeKind.END and not out[node_id]:
            problems.append(f"{node_id} has no outgoing edge")
        if ("assignee" in node) != node_type.needs_assignee:
            problems.append(f"{node_id}: assignee wrong")
        if "assignee" in node:
            problems += _assignee_problems(node["assignee"], by_key, node_id)
        if not set(node.get("actions", ())) <= {str(a) for a in node_type.actions}:
            problems.append(f"{node_id}: actions beyond its type's")
        for key, access in node.get("field_access", {}).items():
            if key not in by_key or (access == "edit" and by_key[key]["type"] == "computed"):
                problems.append(f"{node_id}: field_access {key}={access}")
        problems += [f"{node_id}: {p}" for p in node_type.validate_config(node.get("config", {}))]
        edges = out[node_id]
        if kind is NodeKind.SPLIT:
            if any("condition" in e or "default" in e for e in edges):
                problems.append(f"{node_id}: conditions after a split")
            problems += _join_problems(node_id, out, kinds, incoming)
        elif len(edges) > 1:
            defaults = [e for e in edges if e.get("default") is True]
            if len(defaults) != 1 or any("condition" not in e for e in edges if e not in defaults):
                problems.append(f"{node_id}: needs conditions and exactly one default")
        for edge in edges:
            if "condition" in edge:
                try:
                    found = expression_type(edge["condition"], names)
                except ValueError as error:
                    problems.append(f"edge {edge['from']}->{edge['to']}: {error}")
                    continue
                if found != "boolean":
                    problems.append(f"edge {edge['from']}->{edge['to']}: gives {found}")
    problems += _graph_problems(starts[0], out, incoming, kinds)
    return problems


def _assignee_problems(rule: dict[str, Any], by_key: Mapping[str, Any], node_id: str) -> list[str]:
    known = {
        "users": DEMO_USERS,
        "role": DEMO_ROLES,
        "position": DEMO_POSITIONS,
        "department": DEMO_DEPARTMENTS,
        "company": DEMO_COMPANIES,
    }
    problems = []
    for member, allowed in known.items():
        values = rule.get(member, ())
        for value in [values] if isinstance(values, str) else values:
            if value not in allowed:
                problems.append(f"{node_id}: unknown {member} {value!r}")
    if rule["rule"] == "field":
        field = by_key.get(rule["field"])
        if field is None or field["type"] not in ("user", "department"):
            problems.append(f"{node_id}: field rule needs a user or department field")
    return problems


def _join_problems(split, out, kinds, incoming) -> list[str]:
    """Every branch of ``split`` first meets the same join, whose inputs are those branches."""
    firsts = []
    for edge in out[split]:
        seen, stack, joins = set(), [edge["to"]], set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            if kinds[node] is NodeKind.JOIN:
                joins.add(node)
            else:
                stack += [e["to"] for e in out[node]]
        firsts.append(joins)
    if any(len(found) != 1 for found in firsts) or len({min(f) for f in firsts}) != 1:
        return [f"{split}: branches do not meet at one join"]
    join = min(firsts[0])
    if len(incoming[join]) != len(out[split]):
        return [f"{split}: {join} has other inputs"]
    return []


def _graph_problems(start, out, incoming, kinds) -> list[str]:
    problems = []
    reached, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node not in reached:
            reached.add(node)
            stack += [e["to"] for e in out[node]]
    if reached != set(out):
        problems.append(f"unreachable: {sorted(set(out) - reached)}")
    ending = {n for n, k in kinds.items() if k is NodeKind.END}
    stack = list(ending)
    while stack:
        node = stack.pop()
        for source in incoming[node]:
            if source not in ending:
                ending.add(source)
                stack.append(source)
    if ending != set(out):
        problems.append(f"no path to an end: {sorted(set(out) - ending)}")
    # Kahn's algorithm: a cycle leaves nodes with incoming edges behind.
    remaining = {n: len(sources) for n, sources in incoming.items()}
    ready = [n for n, count in remaining.items() if count == 0]
    done = 0
    while ready:
        node = ready.pop()
        done += 1
        for edge in out[node]:
            remaining[edge["to"]] -= 1
            if remaining[edge["to"]] == 0:
                ready.append(edge["to"])
    if done != len(out):
        problems.append("cycle")
    return problems
