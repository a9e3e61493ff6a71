"""The Management Center's review of a definition version, as people see the change
(regulations §2.3, §3.2; issue 19): the form before and after drawn by the renderer staff
see, the chain before and after with its changes marked, and each changed setting by its
label with its values in words; the JSON only on request.

:mod:`form_builder.diff` finds the changes; this module only says them. Settings read by
the labels the designer shows: a node type's settings through the designer's own mapping
(:func:`form_builder.designer.document.readable_config`), a field's enumerated members
through its type's ``value_labels``, actions by the task page's button words (the
application's ``action_word``, :mod:`form_builder.services`), every other member by the words
of the designer's panels (the same messages, so the same translations).
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from form_builder import localized, services
from form_builder.chain import start_node
from form_builder.chain_drawing import DrawnEdge, DrawnNode, chain_svg, legend_svg
from form_builder.compiler import BoundForm, compile_form
from form_builder.designer.document import readable_config
from form_builder.diff import Change, DefinitionDiff, diff
from form_builder.directory import Viewer
from form_builder.exceptions import DefinitionError
from form_builder.format import digest, dump_document
from form_builder.models import DefinitionVersion
from form_builder.words import definition_word
from form_builder.words import gettext as _
from form_builder.words import lazy_gettext as N_
from plugins.registry import field_types

EMPTY = "—"
MARKS = ("added", "removed", "changed")

# The document's own members by the words of the designer's panels (settings.js,
# field_panel.js, chain.js, assignee.js): the same messages, so the same translations.
DOCUMENT_MEMBERS = {
    "format": N_("Format version"),
    "key": N_("Key"),
    "language": N_("First language"),
    # "Name" alone is a person's (姓名) in Chinese.
    "name": N_("Name of the process"),
    "category": N_("Category"),
    "department": N_("Owning department"),
    "description": N_("Description"),
    "title": N_("Title of each request"),
    "field order": N_("Order of the fields"),
}
FIELD_MEMBERS = {
    "key": N_("Key"),
    "type": N_("Type"),
    "label": N_("Label"),
    "help": N_("Help text"),
    "required": N_("Required"),
    "default": N_("Default"),
    "visible_if": N_("Shown only if"),
    "width": N_("Width"),
    "min_length": N_("Shortest"),
    "max_length": N_("Longest"),
    "pattern": N_("Pattern"),
    "min": N_("Minimum"),
    "max": N_("Maximum"),
    "decimals": N_("Decimal places"),
    "options": N_("Options"),
    "max_files": N_("Most files"),
    "max_size_mb": N_("Largest file (MB)"),
    "accept": N_("File types"),
    "columns": N_("Columns"),
    "min_rows": N_("Fewest rows"),
    "max_rows": N_("Most rows"),
    "expression": N_("Expression"),
    "result": N_("Result"),
}
NODE_MEMBERS = {
    "id": N_("Id"),
    "type": N_("Type"),
    "name": N_("Name of the node"),
    "assignee": N_("Handled by"),
    "actions": N_("Actions offered (node permission)"),
    "buttons": N_("Words on the buttons"),
    "deadline_hours": N_("Deadline (hours)"),
    "self_approval": N_("If the initiator is named"),
    "escalation": N_("When a to-do is overdue"),
}
EDGE_MEMBERS = {
    "from": N_("From"),
    "to": N_("To"),
    "label": N_("Label"),
    "condition": N_("Condition"),
    "default": N_("Default edge (taken when no condition holds)"),
}
WIDTHS = {
    "full": N_("Full row"),
    "half": N_("Half a row (2 per row)"),
    "third": N_("A third of a row (3 per row)"),
}
DEFAULT_KINDS = {
    "current_user": N_("The person filling in the form"),
    "current_department": N_("Their department"),
    "today": N_("Today"),
    "now": N_("Now"),
}
# The languages a text is given in, by their primary subtag (a text changed in English only).
LANGUAGE_NAMES = {"zh": N_("Chinese"), "en": N_("English")}
# Access levels as a reviewer reads them ("Read" alone is the task's 已读 in Chinese).
ACCESS = {"edit": N_("Can edit"), "read": N_("Read only"), "hidden": N_("Hidden")}
SELF_APPROVAL = {
    None: N_("Go up to the next head or the leader in charge (default)"),
    "skip": N_("Leave the initiator out; skip the node if nobody is left"),
    "allow": N_("Let the initiator handle it"),
}
RULES = {
    "department_head": N_("Head of the applicant's department"),
    "leader_in_charge": N_("Leader in charge of the applicant's department"),
    "users": N_("Named users"),
    "role": N_("Everyone with a role"),
    "position": N_("Holders of a position"),
    "field": N_("The person or department chosen in a field"),
    "initiator": N_("The applicant"),
}


@dataclass(frozen=True)
class Setting:
    """One changed setting as people read it: its label, and its values before and after
    (:data:`EMPTY` where it was or is not set)."""

    member: str  # as the diff names it, e.g. ``config.on_disagree`` (for tests and anchors)
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ElementChange:
    """A field, node or edge added, removed or changed, named as people read it, with the
    settings that changed (an added element: every setting it has)."""

    kind: str
    ident: str
    title: str
    type_label: str
    settings: list[Setting]


@dataclass(frozen=True)
class FormSide:
    """One side of the form comparison: the form drawn by the staff's renderer, or why it
    cannot be drawn."""

    bound: BoundForm | None
    marks: dict[str, str]
    problem: str | None = None


@dataclass
class Review:
    """Everything the review page shows of one version against its baseline."""

    changes: DefinitionDiff
    metadata: list[Setting]
    fields: list[ElementChange]
    nodes: list[ElementChange]
    edges: list[ElementChange]
    form_before: FormSide | None
    form_after: FormSide
    chain_before: Markup | None
    chain_after: Markup
    legend: Markup
    document_diff: list[tuple[str, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.changes.empty


def build_review(
    baseline: DefinitionVersion | None, version: DefinitionVersion, viewer: Viewer
) -> Review:
    """The review of ``version`` against ``baseline`` (None for a first version), in the
    request's language, its forms bound for ``viewer``."""
    old = baseline.document if baseline is not None else None
    new = version.document
    changes = diff(old, new)
    words = Words(old or {}, new)
    fields = [words.element(change, "field") for change in changes.fields]
    nodes = [words.element(change, "node") for change in changes.nodes]
    edges = [words.element(change, "edge") for change in changes.edges]
    marks = {mark: definition_word(mark) for mark in MARKS}
    before_marks = {c.ident: c.kind for c in changes.fields if c.kind != "added"}
    after_marks = {c.ident: c.kind for c in changes.fields if c.kind != "removed"}
    return Review(
        changes=changes,
        metadata=[words.setting("document", m, v, None) for m, v in changes.metadata.items()],
        fields=fields,
        nodes=nodes,
        edges=edges,
        form_before=None if old is None else _form_side(baseline, before_marks, viewer, "before"),
        form_after=_form_side(version, after_marks, viewer, "after"),
        chain_before=None
        if old is None
        else _chain(
            old, changes, words, "before", _("The chain before: removed and changed nodes marked")
        ),
        chain_after=_chain(
            new, changes, words, "after", _("The chain after: added and changed nodes marked")
        ),
        legend=legend_svg(marks, "review-legend"),
        document_diff=document_diff(old, new),
    )


def document_diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The canonical JSON texts' unified diff as (kind, line), kind "added", "removed",
    "hunk" or "" (context): what "Show the document" shows."""
    before = dump_document(old).splitlines() if old is not None else []
    after = dump_document(new).splitlines()
    lines = []
    for line in difflib.unified_diff(before, after, lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1], "")
        lines.append((kind, line))
    return lines


# --- Forms -----------------------------------------------------------------------------------


def _form_side(
    version: DefinitionVersion, marks: dict[str, str], viewer: Viewer, prefix: str
) -> FormSide:
    """The whole form as the applicant fills it in, every field shown (a field hidden from
    the applicant too: the reviewer reads the form, node access is in the settings)."""
    try:
        shown = review_document(localized.document(version.document))
        start = start_node(shown)
        compiled = compile_form(
            shown, start, version_key=(services.services().cache_token, "review", digest(shown))
        )
        bound = compiled.bind(
            viewer=viewer, directory=services.directory(), csrf=False, prefix=f"{prefix}-"
        )
    except (DefinitionError, LookupError, ValueError, TypeError, StopIteration):
        # Only a draft with problems (listed above it on the page) fails to compile; the
        # review still shows its settings and chain.
        return FormSide(None, marks, _("The form cannot be drawn: see the problems above."))
    return FormSide(bound, marks)


def review_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with the start node's field access dropped, so its form shows every
    field as the applicant's controls."""
    copied = copy.deepcopy(dict(document))
    start = start_node(copied)
    for node in copied["nodes"]:
        if node["id"] == start:
            node.pop("field_access", None)
    return copied


# --- Chains ----------------------------------------------------------------------------------


def _chain(
    document: Mapping[str, Any], changes: DefinitionDiff, words: Words, side: str, title: str
) -> Markup:
    hidden = "added" if side == "before" else "removed"
    node_marks = {c.ident: c.kind for c in changes.nodes if c.kind != hidden}
    edge_marks = {c.ident: c.kind for c in changes.edges if c.kind != hidden}
    names = words.node_names(document)
    nodes = [
        DrawnNode(
            node["id"], names[node["id"]], words.node_type(node["type"]), node_marks.get(node["id"])
        )
        for node in document["nodes"]
    ]
    edges = [
        DrawnEdge(
            edge["from"],
            edge["to"],
            words.text(edge.get("label")),
            edge_marks.get(f"{edge['from']} -> {edge['to']}"),
        )
        for edge in document["edges"]
    ]
    return chain_svg(
        nodes,
        edges,
        title=title,
        svg_id=f"chain-{side}",
        mark_words={mark: definition_word(mark) for mark in MARKS},
    )


# --- Words -----------------------------------------------------------------------------------


class Words:
    """Settings and values of two documents as people read them, in the request's language."""

    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.old, self.new = old, new
        self.language = localized.current_language()
        self._fallback = new.get("language") or old.get("language")
        self._action_word: Callable[[str], str] = services.services().action_word
        self._users: dict[str, str] = {}

    def text(self, value: Any) -> str:
        """A definition's text (plain or per language) in the reader's language."""
        return localized.text(value, self.language, self._fallback) if value else ""

    def all_node_names(self) -> dict[str, str]:
        """Node id -> name in either document (the new name where both have the node)."""
        return {**self.node_names(self.old), **self.node_names(self.new)}

    def node_names(self, document: Mapping[str, Any]) -> dict[str, str]:
        nodes = document.get("nodes", [])
        return {node["id"]: self.text(node.get("name")) or node["id"] for node in nodes}

    def node_type(self, name: str) -> str:
        node_type = services.services().node_types().get(name)
        label = getattr(node_type, "label", None)
        return _(label) if label else name

    def field_type(self, name: str) -> str:
        try:
            return _(field_types()[name].label)
        except KeyError:
            return name

    def _spec(self, what: str, ident: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        """The element in the old and the new document ({} where absent)."""

        def find(document: Mapping[str, Any]) -> Mapping[str, Any]:
            items = document.get({"field": "fields", "node": "nodes", "edge": "edges"}[what], [])
            for item in items:
                if _ident(what, item) == ident:
                    return item
            return {}

        return find(self.old), find(self.new)

    def element(self, change: Change, what: str) -> ElementChange:
        """``change`` of a field, node or edge, named and its settings labelled."""
        before, after = self._spec(what, change.ident)
        spec = after or before
        if what == "field":
            title = self.text(spec.get("label")) or change.ident
            type_label = self.field_type(spec.get("type", ""))
        elif what == "node":
            title = self.text(spec.get("name")) or change.ident
            type_label = self.node_type(spec.get("type", ""))
        else:
            names = self.all_node_names()
            source, target = spec.get("from", ""), spec.get("to", "")
            title = _(
                "%(source)s → %(target)s",
                source=names.get(source, source),
                target=names.get(target, target),
            )
            type_label = ""
        settings = [
            self.setting(what, member, values, spec)
            for member, values in change.members.items()
            if not (what == "field" and member in ("key",))
            and not (what == "node" and member == "id")
            and not (what == "edge" and member in ("from", "to"))
        ]
        return ElementChange(change.kind, change.ident, title, type_label, settings)

    def setting(
        self, what: str, member: str, values: tuple[Any, Any], spec: Mapping[str, Any] | None
    ) -> Setting:
        """One changed member of an element (``spec``: the element, for its type)."""
        before, after = values
        label = self.label(what, member, spec or {})
        return Setting(
            member,
            label,
            self.value(what, member, before, spec or {}),
            self.value(what, member, after, spec or {}),
        )

    def label(self, what: str, member: str, spec: Mapping[str, Any]) -> str:
        """The member's label: ``label (en)`` reads "Label (en)", ``config.x`` the node
        type's title of setting x, ``field_access.k`` the field's label."""
        base, _sep, language = member.partition(" (")
        if language:
            tag = language.rstrip(")")
            if tag == "*":  # a plain text, every language's
                return self.label(what, base, spec)
            name = LANGUAGE_NAMES.get(tag.replace("-", "_").split("_")[0].lower(), tag)
            return f"{self.label(what, base, spec)} ({name})"
        if what == "node" and member.startswith("config."):
            setting = self._config(spec).get(member.split(".", 1)[1], {})
            return str(setting.get("title") or member.split(".", 1)[1])
        if what == "node" and member.startswith("field_access."):
            return _("Field access: %(field)s", field=self._field_label(member.split(".", 1)[1]))
        table = {
            "document": DOCUMENT_MEMBERS,
            "field": FIELD_MEMBERS,
            "node": NODE_MEMBERS,
            "edge": EDGE_MEMBERS,
        }[what]
        if member in table:
            return str(table[member])
        if what == "field":
            schema = _field_members(spec).get(member, {})
            if schema.get("title"):
                return _(schema["title"])
        return member.replace("_", " ")

    def value(self, what: str, member: str, value: Any, spec: Mapping[str, Any]) -> str:
        """``value`` of ``member`` as people read it."""
        if value is None or value == "" or value == []:
            if what == "node" and member == "self_approval":
                return str(SELF_APPROVAL[None])
            if what == "node" and member.startswith("config."):
                # Unset is the type's default: said as the designer's drop-down says it.
                default = self._config(spec).get(member.split(".", 1)[1], {}).get("default")
                if default is not None:
                    shown = self._node_value(member, default, spec)
                    return _("Not set (default: %(value)s)", value=shown)
            return EMPTY
        base = member.partition(" (")[0]
        if base in ("name", "label", "help", "description", "title") and not isinstance(
            value, (bool, int)
        ):
            return self.text(value)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if what == "document" and member == "field order":
            return ", ".join(self._field_label(key) for key in value)
        if what == "field":
            return self._field_value(member, value, spec)
        if what == "node":
            return self._node_value(member, value, spec)
        if what == "edge" and member in ("from", "to"):
            return self.all_node_names().get(value, value)
        return _plain(value)

    def _field_value(self, member: str, value: Any, spec: Mapping[str, Any]) -> str:
        if member == "type":
            return self.field_type(value)
        if member == "width":
            return str(WIDTHS.get(value, value))
        if member == "options":
            return _list(
                self.text(option.get("label")) or str(option.get("value")) for option in value
            )
        if member == "columns":
            return _list(
                "{} ({})".format(
                    self.text(column.get("label")) or column.get("key"),
                    self.field_type(column.get("type", "")),
                )
                for column in value
            )
        if member == "default" and isinstance(value, Mapping):
            if value.get("kind") == "literal":
                # A choice's default by its option's label, as the form shows it.
                options = {
                    o.get("value"): self.text(o.get("label")) for o in spec.get("options", [])
                }
                fixed = value.get("value")
                chosen = fixed if isinstance(fixed, list) else [fixed]
                shown = _list(
                    (options.get(v) if isinstance(v, str) else None) or _plain(v) for v in chosen
                )
                return _("A fixed value: %(value)s", value=shown)
            return str(DEFAULT_KINDS.get(value.get("kind"), value.get("kind")))
        labels = _field_value_labels(spec).get(member, {})
        if isinstance(value, list):
            return _list(_(labels[v]) if v in labels else _plain(v) for v in value)
        if value in labels:
            return _(labels[value])
        return _plain(value)

    def _node_value(self, member: str, value: Any, spec: Mapping[str, Any]) -> str:
        if member == "type":
            return self.node_type(value)
        if member == "actions":
            return _list(self._action_word(str(action)) for action in value)
        if member == "self_approval":
            return str(SELF_APPROVAL.get(value, value))
        if member == "assignee":
            return self._assignee(value)
        if member == "buttons" and isinstance(value, Mapping):
            return "; ".join(f"{self._action_word(k)}: {self.text(v)}" for k, v in value.items())
        if member == "escalation" and isinstance(value, Mapping):
            return self._escalation(value)
        if member == "config" and isinstance(value, Mapping):  # an added node's settings
            return "; ".join(
                "{}: {}".format(
                    self.label("node", f"config.{k}", spec),
                    self._node_value(f"config.{k}", v, spec),
                )
                for k, v in value.items()
            )
        if member == "field_access" and isinstance(value, Mapping):
            return "; ".join(
                f"{self._field_label(k)}: {ACCESS.get(v, v)}" for k, v in value.items()
            )
        if member.startswith("field_access."):
            return str(ACCESS.get(value, value))
        if member.startswith("config."):
            name = member.split(".", 1)[1]
            setting = self._config(spec).get(name, {})
            if isinstance(value, bool):
                return _("Yes") if value else _("No")
            labels = setting.get("labels") or {}
            if isinstance(value, list):
                return _list(str(labels.get(v, v)) for v in value)
            return str(labels.get(value, _plain(value)))
        return _plain(value)

    def _assignee(self, rule: Mapping[str, Any]) -> str:
        kind = rule.get("rule")
        words = str(RULES.get(kind, kind))
        if kind == "department_head" and rule.get("levels", 1) != 1:
            return _("%(rule)s, %(levels)s levels up", rule=words, levels=rule["levels"])
        if kind == "users":
            return f"{words}: " + _list(self._people(rule.get("users", [])))
        if kind == "role":
            return f"{words}: {rule.get('role')}"
        if kind == "position":
            where = rule.get("department") or rule.get("company")
            return f"{words}: {rule.get('position')}" + (f" ({where})" if where else "")
        if kind == "field":
            return f"{words}: {self._field_label(rule.get('field', ''))}"
        return words

    def _escalation(self, escalation: Mapping[str, Any]) -> str:
        parts = []
        if escalation.get("reassign_to") == "head":
            parts.append(_("Moved to the handler's head"))
        if escalation.get("action"):
            parts.append(
                _("Done automatically: %(action)s", action=self._action_word(escalation["action"]))
            )
        if escalation.get("opinion"):
            parts.append(_("Opinion: %(opinion)s", opinion=escalation["opinion"]))
        if escalation.get("after_hours") is not None:
            parts.append(
                _("%(hours)s hours after the deadline", hours=_plain(escalation["after_hours"]))
            )
        return "; ".join(parts) or EMPTY

    def _people(self, usernames: Sequence[str]) -> list[str]:
        """The display names of ``usernames``: one query for those not named before (the
        group may have 100,000 accounts; a chain names a few)."""
        missing = [name for name in usernames if name not in self._users]
        if missing:
            found = services.directory().users_named(missing)
            for name in missing:
                self._users[name] = found[name].label if name in found else name
        return [self._users[name] for name in usernames]

    def _field_label(self, key: str) -> str:
        for document in (self.new, self.old):
            for spec in document.get("fields", []):
                if spec.get("key") == key:
                    return self.text(spec.get("label")) or key
        return key

    def _config(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        node_type = services.services().node_types().get(spec.get("type", ""))
        if node_type is None:
            return {}
        return readable_config(node_type).get("properties") or {}


def _ident(what: str, item: Mapping[str, Any]) -> str:
    if what == "field":
        return item.get("key", "")
    if what == "node":
        return item.get("id", "")
    return f"{item.get('from')} -> {item.get('to')}"


def _field_members(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    try:
        return field_types()[spec.get("type", "")].members
    except KeyError:
        return {}


def _field_value_labels(spec: Mapping[str, Any]) -> Mapping[str, Mapping[str, str]]:
    try:
        return field_types()[spec.get("type", "")].value_labels
    except KeyError:
        return {}


def _list(items: Any) -> str:
    """Items joined as the reader's language lists them: Chinese with the enumeration comma
    (、), others with ", " (Babel's ``format_list`` would add "and", wrong for a set)."""
    language = localized.current_language() or ""
    return ("、" if language.lower().startswith("zh") else ", ").join(items)


def _plain(value: Any) -> str:
    """A value no label names, as written: numbers and text as they are, lists joined."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return _list(_plain(item) for item in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{key}: {_plain(item)}" for key, item in value.items())
    return str(value)
