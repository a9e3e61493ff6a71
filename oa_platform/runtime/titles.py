"""An instance's title in every language (issue 19, issue 18): the definition's title template
filled from the form's values (``form_builder/titles.py``), else the definition's name and the
initiator's, written whenever the values change.

The title is stored twice: ``Instance.title`` in the company's default language (what searches
and exports read) and ``Instance.title_texts``, the title per language, which pages and notices
show through ``Instance.shown_title`` in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from form_builder import services as form_services
from form_builder import titles
from form_builder.models import DefinitionVersion
from oa_platform.accounts.models import OAUser
from oa_platform.org.models import Company, Department, shown_name
from oa_platform.runtime.models import Instance
from plugins.fields import field_type


class _Names:
    """Display names of the people and departments a title's fields hold, looked up one by
    one (a title names a few; the form's pickers load them all)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def display_name(self, source: str, value: str) -> str:
        if source == "user":
            user = self.session.scalar(select(OAUser).where(OAUser.username == value))
            return user.get_full_name() if user is not None else value
        company, _slash, code = value.rpartition("/")
        query = select(Department.name, Department.name_zh).where(Department.code == code)
        if company:
            query = query.join(Company).where(Company.code == company)
        found = self.session.execute(query.limit(1)).first()
        return shown_name(*found) if found is not None else value


def _title(
    session: Session, version: DefinitionVersion, values: Mapping[str, Any], initiator: OAUser
) -> str:
    """The title in the request's (forced) language."""
    document = form_services.shown_document(version)
    who = initiator.get_full_name()
    template = document.get("title")
    if not template or not titles.names_a_value(template, values):
        # No template, or a draft with none of its fields filled in yet.
        return f"{document['name']} — {who}"[: titles.TITLE_LENGTH]
    fields = {field["key"]: field for field in document["fields"]}
    names = _Names(session)
    return titles.fill(
        template,
        values,
        fields,
        lambda spec, value: field_type(spec).display(spec, value, names),
        {"initiator": who, "definition": document["name"]},
    )


def retitle(session: Session, instance: Instance) -> None:
    """Write ``instance``'s title in each language from its definition and current values."""
    texts = {}
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            texts[language] = _title(
                session, instance.definition_version, instance.values, instance.initiator
            )
    default = current_app.config["OA_DEFAULT_LOCALE"]
    instance.title = texts.get(default) or next(iter(texts.values()))
    # One language's title for all: nothing to choose between, nothing to keep.
    instance.title_texts = texts if len(set(texts.values())) > 1 else None
