"""What the Management Center reviews (regulations §2.3, §3.2): the diff between two versions
of a definition misses no change and invents none. A version compared with itself has no
change; between any two versions every field, node and edge that differs is named, with
every member that differs (a text language by language, a node's settings and field access
entry by entry)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from form_builder.diff import ELEMENTS, NESTED, TEXTS, diff
from tests.strategies import definitions


def _ident(name: str, item: Mapping[str, Any]) -> str:
    if name == "fields":
        return item["key"]
    if name == "nodes":
        return item["id"]
    return f"{item['from']} -> {item['to']}"


def _differing(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """The members that differ, at the depth the diff names them."""
    names = set()
    for name in {*before, *after}:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in NESTED:
            old, new = old or {}, new or {}
            names |= {
                f"{name}.{entry}" for entry in {*old, *new} if old.get(entry) != new.get(entry)
            }
        elif name in TEXTS and (isinstance(old, Mapping) or isinstance(new, Mapping)):
            old = old if isinstance(old, Mapping) else ({} if old is None else {"*": old})
            new = new if isinstance(new, Mapping) else ({} if new is None else {"*": new})
            names |= {
                f"{name} ({language})"
                for language in {*old, *new}
                if old.get(language) != new.get(language)
            }
        else:
            names.add(name)
    return names


def assert_names_every_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    changes = diff(old, new)
    metadata = {k: v for k, v in old.items() if k not in ELEMENTS}
    current = {k: v for k, v in new.items() if k not in ELEMENTS}
    assert set(changes.metadata) - {"field order"} == _differing(metadata, current)
    for name in ELEMENTS:
        before = {_ident(name, item): item for item in old[name]}
        after = {_ident(name, item): item for item in new[name]}
        found = {change.ident: change for change in getattr(changes, name)}
        expected = {i for i in {*before, *after} if before.get(i) != after.get(i)}
        assert set(found) == expected, name
        for ident, change in found.items():
            if ident not in after:
                assert change.kind == "removed"
            elif ident not in before:
                assert change.kind == "added"
                assert set(change.members) == _differing({}, after[ident])
            else:
                assert change.kind == "changed"
                assert set(change.members) == _differing(before[ident], after[ident])
                for member, (was, now) in change.members.items():
                    assert was != now, (ident, member)


@given(definitions())
def test_a_version_compared_with_itself_has_no_change(document):
    assert diff(document, copy.deepcopy(document)).empty


@given(definitions(), definitions())
def test_between_any_two_versions_every_changed_element_and_member_is_named(old, new):
    assert_names_every_change(old, new)


@given(definitions(), st.data())
def test_each_edit_a_designer_makes_is_named_where_it_was_made(document, data):
    """One version edited the ways the designer edits (a field added, a label reworded in
    one language, a node's setting and a field's access changed, a node inserted on an
    edge): each edit is in the diff, and nothing else."""
    edited = copy.deepcopy(document)
    field = data.draw(st.sampled_from(edited["fields"])) if edited["fields"] else None
    if field is not None:
        field["label"] = {"zh_CN": "请假类型", "en": str(field.get("label"))}
    edited["fields"].append({"key": "contact_phone", "type": "text", "label": "Phone"})
    handled = [n for n in edited["nodes"] if n["type"] in ("approval", "form_review")]
    if handled:
        node = data.draw(st.sampled_from(handled))
        node["config"] = {**node.get("config", {}), "on_disagree": "terminate"}
        node.setdefault("field_access", {})["contact_phone"] = "read"
    edge = data.draw(st.sampled_from(edited["edges"]))
    edited["nodes"].append({"id": "finance_check", "type": "notify", "name": "Finance"})
    edited["edges"].remove(edge)
    edited["edges"] += [
        {"from": edge["from"], "to": "finance_check"},
        {"from": "finance_check", "to": edge["to"]},
    ]

    assert_names_every_change(document, edited)
    changes = diff(document, edited)
    kinds = {(c.kind, c.ident) for c in changes.fields + changes.nodes + changes.edges}
    assert ("added", "contact_phone") in kinds
    if field is not None:
        assert ("changed", field["key"]) in kinds
    assert ("added", "finance_check") in kinds
    assert ("removed", f"{edge['from']} -> {edge['to']}") in kinds
    if handled:
        change = next(c for c in changes.nodes if c.ident == node["id"])
        assert change.members["field_access.contact_phone"] == (None, "read")
        assert change.members["config.on_disagree"][1] == "terminate"
