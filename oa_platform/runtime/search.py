"""Finding instances by what their forms and opinions say, Chinese included (issue 19).

A word index, not a scan: ``search_term`` holds (term, instance) pairs, so a search is one
indexed lookup per term of the query, whatever the number of instances: per row of a
person's own list (``has_every_term``), or once for a list of every instance
(``instances_with_terms``). Terms are each
lower-case Latin word or number, and, as Chinese has no spaces, each Chinese character and
pair of adjacent characters (上海出差 -> 上, 海, 出, 差, 上海, 海出, 出差): a query of one
or two characters is one term, a longer one the pairs it is made of.

The index follows the trail: at commit the instances whose form changed (``fields_changed``)
are indexed again from their values and title, and an opinion adds its terms
(``audit.observe``), in the transaction that made the change.

What is indexed is what every reader of the instance may read, so a search never tells a
person what a field hidden from them says (regulations §6.2: information is read "according
to the prescribed permissions"; §6.3, confidentiality). One index serves every reader, so it
holds only the fields that no node of the instance's definition version hides
(:func:`hidden_fields`, from the node field access ``policy.readable_fields`` reads): a
salary hidden from the department head cannot be probed by typing "9000" in the inbox. The
rule holds for everyone alike, the initiator who typed the field included: they find their
request by its other words. The title is indexed whole: a title template may name only a
field that no node hides (``form_builder/titles.py``, refused at publishing). Opinions are
indexed: the instance page and the approval sheet show every opinion to everyone who may see
the instance (§6.1). An index written before this rule is cleaned by ``flask oa search
reindex``, which writes each instance's terms again by it.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from flask import Flask
from flask_appbuilder import Model
from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Select,
    String,
    bindparam,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from form_builder.compiler import HIDDEN
from form_builder.services import process_spec
from oa_platform.runtime import audit
from oa_platform.runtime.models import Instance, Task

MAX_TERM = 64


_TAGS = re.compile(r"<[^>]+>")
# A run of Latin letters and digits, or of other letters (Chinese has no spaces to split at).
_WORD = re.compile(r"[0-9a-z]+|[^\W\d_a-z]+")


class SearchTerm(Model):
    """One term of one instance's form, title or opinions (the primary key is the index)."""

    __tablename__ = "search_term"

    term: Mapped[str] = mapped_column(String(MAX_TERM), primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"), primary_key=True, index=True
    )


def _cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) in {"W", "F"} and char.isalpha()


def terms(text: str) -> set[str]:
    """The index terms of ``text``: each lower-case Latin word or number, and each Chinese
    character and pair of adjacent characters (rich text read without its tags)."""
    found: set[str] = set()
    for run in _WORD.findall(_TAGS.sub(" ", text).lower()):
        chars = [c for c in run if _cjk(c)]
        if not chars:
            found.add(run[:MAX_TERM])
            continue
        found.update(chars)
        found.update(a + b for a, b in itertools.pairwise(chars))
        latin = "".join(c for c in run if not _cjk(c))
        if latin:
            found.add(latin[:MAX_TERM])
    return found


def query_terms(text: str) -> list[str]:
    """The terms an instance must all have to match the query ``text``: a Latin word, a lone
    Chinese character, or the pairs a longer Chinese word is made of."""
    wanted: set[str] = set()
    for run in _WORD.findall(text.lower()):
        chars = [c for c in run if _cjk(c)]
        if not chars:
            wanted.add(run[:MAX_TERM])
        elif len(chars) == 1:
            wanted.add(chars[0])
        else:
            wanted.update(a + b for a, b in itertools.pairwise(chars))
    return sorted(wanted)


def _texts(value: Any) -> Iterator[str]:
    """Every text inside a stored form value (tables, choices, file names included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)


def hidden_fields(instance: Instance) -> frozenset[str]:
    """The keys of the fields that some node of ``instance``'s definition version hides: each
    node's field access as its spec compiled it (``form_builder.compiler.field_access``), the
    mapping ``policy.readable_fields`` gives each reader."""
    spec = process_spec(instance.definition_version)
    return frozenset(
        key
        for node in spec.nodes.values()
        for key, level in node.field_access.items()
        if level == HIDDEN
    )


def instance_terms(instance: Instance, opinions: Iterable[str]) -> set[str]:
    """The index terms of ``instance``: its titles and process names in every language, the
    values of the fields no node hides (:func:`hidden_fields`), and ``opinions``."""
    # Every language's title and process name: a search finds it in the words of either.
    definition = instance.definition
    names = [
        instance.title,
        *(instance.title_texts or {}).values(),
        definition.name,
        *(definition.name_texts or {}).values(),
    ]
    found = terms(" ".join(names))
    hidden = hidden_fields(instance)
    # A key the field access does not name is shown, as ``policy.readable_values`` shows it.
    shown = [value for key, value in (instance.values or {}).items() if key not in hidden]
    for text in _texts(shown):
        found |= terms(text)
    for opinion in opinions:
        found |= terms(opinion)
    return found


def term_params(text: str) -> dict[str, Any]:
    """The parameters of :func:`instances_with_terms` and :func:`has_every_term` for the
    query ``text`` (a text with no term finds nothing)."""
    wanted = query_terms(text) or [""]
    return {"search_terms": wanted, "search_term_count": len(wanted)}


@cache
def instances_with_terms() -> Select:
    """Built once: the ids of the instances whose index has every term of the query (bound
    at execution: :func:`term_params`). Every instance with a term is read: for a list of
    every instance; a person's own lists probe their rows instead (:func:`has_every_term`)."""
    return (
        select(SearchTerm.instance_id)
        .where(SearchTerm.term.in_(bindparam("search_terms", expanding=True)))
        .group_by(SearchTerm.instance_id)
        .having(func.count() == bindparam("search_term_count"))
    )


@cache
def has_every_term() -> ColumnElement[bool]:
    """Built once: whether the statement's instance (``process_instance``, correlated) has
    every term of the query (bound at execution: :func:`term_params`): one primary-key
    lookup per term and row, whatever the number of instances with the term.

    For lists of a person's own rows (tens to a few thousand). The set of
    :func:`instances_with_terms` was read whole for every such list: 50,000 instances for a
    common word among 250,000, 40-75 ms per page on SQLite (docs/performance.md).
    """
    return select(func.count()).where(
        SearchTerm.instance_id == Instance.id,
        SearchTerm.term.in_(bindparam("search_terms", expanding=True)),
    ).scalar_subquery() == bindparam("search_term_count")


# Keeping the index ------------------------------------------------------------------------


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = session.get_bind(SearchTerm.__mapper__).dialect.name
    build = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    statement = build(SearchTerm).on_conflict_do_nothing() if build else insert(SearchTerm)
    session.execute(statement, rows)


def reindex(session: Session, instance: Instance) -> None:
    """Index ``instance`` again from its title, the values of the fields no node hides and
    its opinions (what it held before is deleted: an older index's hidden words go too)."""
    opinions = session.scalars(
        select(Task.opinion).where(Task.instance_id == instance.id, Task.opinion.is_not(None))
    )
    found = instance_terms(instance, opinions)
    session.execute(delete(SearchTerm).where(SearchTerm.instance_id == instance.id))
    _insert(session, [{"term": t, "instance_id": instance.id} for t in sorted(found)])


def follow_trail(session: Session, entries: list[dict[str, Any]]) -> None:
    """At commit: index again the instances whose form changed, add the opinions' terms."""
    changed = {e["instance_id"] for e in entries if e["event"] == "fields_changed"}
    for instance_id in sorted(changed):
        instance = session.get(Instance, instance_id)
        if instance is not None:
            reindex(session, instance)
    rows = [
        {"term": term, "instance_id": e["instance_id"]}
        for e in entries
        if e["event"] == "action"
        and e["instance_id"] not in changed
        and (e["detail"] or {}).get("opinion")
        for term in sorted(terms(e["detail"]["opinion"]))
    ]
    _insert(session, rows)


def reindex_all(session: Session, batch: int = 500) -> int:
    """Index every instance again (after the migration, to repair, or to clean an index
    written before hidden fields were left out); how many."""
    done, last = 0, 0
    while True:
        chunk = session.scalars(
            select(Instance).where(Instance.id > last).order_by(Instance.id).limit(batch)
        ).all()
        if not chunk:
            return done
        for instance in chunk:
            reindex(session, instance)
        session.commit()
        done, last = done + len(chunk), chunk[-1].id


def init_app(app: Flask) -> None:
    """Keep the index with every commit (idempotent)."""
    audit.observe(follow_trail)
