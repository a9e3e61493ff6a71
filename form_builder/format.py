"""The definition document format: loading, schema checking, format migrations, canonical dump.

A definition version is one JSON document with a ``format`` number (SpiffWorkflow keeps a
version in its serialised specs for the same reason). When the format changes, add a function
to ``MIGRATIONS`` that lifts a document from the previous format; old exports keep importing.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

import jsonschema

from form_builder.exceptions import DefinitionFormatError, Problem
from form_builder.field_schema import assemble
from form_builder.schema_messages import element_name, member_name, sentence
from form_builder.words import gettext as _
from plugins.field_contract import FieldType
from plugins.registry import field_types

FORMAT_VERSION = 2


def _format_1_to_2(document: dict[str, Any]) -> dict[str, Any]:
    """Format 2 lets every text a person reads carry per-language values
    (``form_builder.localized``); format 1's plain strings are format 2 texts that read the
    same in every language, so only the number changes. No language is guessed for them:
    a format-1 document may have been written in Chinese or in English."""
    return {**document, "format": 2}


# format N -> function lifting a document of format N to N + 1.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _format_1_to_2}


def upgrade(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` lifted to the current format, step by step (no schema check): a copy.

    A document already of the current format is returned as it is (a copy), so upgrading
    twice is upgrading once. Raises :class:`DefinitionFormatError` for a format that is not
    a number, newer than this platform's or unknown.
    """
    result = copy.deepcopy(dict(document))
    version = result.get("format")
    if not isinstance(version, int) or isinstance(version, bool):
        raise DefinitionFormatError([Problem("$.format", "'format' must be a format number")])
    if version > FORMAT_VERSION:
        message = f"format {version} is newer than this platform reads ({FORMAT_VERSION})"
        raise DefinitionFormatError([Problem("$.format", message)])
    while version < FORMAT_VERSION:
        if version not in MIGRATIONS:
            raise DefinitionFormatError([Problem("$.format", f"format {version} is unknown")])
        result = MIGRATIONS[version](result)
        version += 1
    return result


def schema() -> dict[str, Any]:
    """The JSON Schema of the current format: the one shipped as form_builder/schema/, its
    field-type parts assembled from the installed field types (form_builder/field_schema.py).
    """
    return _schema_for(_installed_field_types())


def _installed_field_types() -> tuple[FieldType, ...]:
    registry = field_types()
    return tuple(registry[name] for name in registry)


@functools.cache
def _shipped_schema() -> dict[str, Any]:
    text = resources.files("form_builder").joinpath(
        f"schema/definition-{FORMAT_VERSION}.schema.json"
    )
    return json.loads(text.read_text(encoding="utf-8"))


# Keyed on the installed types, so a type registered later (a test's) is seen.
@functools.lru_cache(maxsize=4)
def _schema_for(types: tuple[FieldType, ...]) -> dict[str, Any]:
    return assemble(_shipped_schema(), types)


@functools.lru_cache(maxsize=4)
def _validator_for(types: tuple[FieldType, ...]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(_schema_for(types))


def _validator() -> jsonschema.Draft202012Validator:
    return _validator_for(_installed_field_types())


def parse_json(text: str | bytes) -> Any:
    """JSON text to a value; a syntax error becomes a problem naming line and column."""
    try:
        return json.loads(text)
    except UnicodeDecodeError as error:
        message = f"the file is not UTF-8 text ({error.reason})"
        raise DefinitionFormatError([Problem("$", message)]) from None
    except json.JSONDecodeError as error:
        message = f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        raise DefinitionFormatError([Problem("$", message)]) from None
    except RecursionError:
        # The parser recurses once per level: no definition nests thousands deep.
        message = "not a definition: its arrays and objects nest too deeply"
        raise DefinitionFormatError([Problem("$", message)]) from None


def load_document(data: Any) -> dict[str, Any]:
    """A checked document of the current format from parsed JSON (migrating older formats).

    Raises :class:`DefinitionFormatError` listing every schema violation by JSON path.
    """
    if not isinstance(data, Mapping):
        raise DefinitionFormatError([Problem("$", "a definition must be a JSON object")])
    document = upgrade(data)
    problems = schema_problems(document)
    if problems:
        raise DefinitionFormatError(problems, "The definition does not follow the format")
    return document


def schema_problems(document: Mapping[str, Any]) -> list[Problem]:
    """Every JSON Schema violation, with a readable message and the JSON path."""
    problems = []
    for error in _validator().iter_errors(document):
        problems.extend(_explain(error, document))
    unique = {(p.path, p.message): p for p in problems}
    return sorted(unique.values(), key=lambda p: p.path)


def _explain(error: jsonschema.ValidationError, document: Mapping[str, Any]) -> list[Problem]:
    """jsonschema's errors as sentences naming the field, node or connection concerned
    (:mod:`form_builder.schema_messages`), never its raw messages (issue 19)."""
    path = error.json_path
    instance = error.instance
    field = _field_key(document, list(error.absolute_path))
    if error.validator == "not" and isinstance(instance, Mapping):
        # Our "not required" rules say which members a type or rule does not take.
        banned = sorted(_required_names(error.validator_value) & set(instance))
        kind = instance.get("type") or instance.get("rule") or "this element"
        where = element_name(document, list(error.absolute_path))
        if "condition" in banned and "default" in banned:
            message = _("%(where)s: a default connection takes no condition", where=where)
        else:
            message = _(
                "%(where)s: %(names)s not allowed for '%(kind)s'",
                where=where,
                names=", ".join(f"'{b}'" for b in banned),
                kind=kind,
            )
        return [Problem(path, message, field=field)]
    if error.validator == "oneOf" and isinstance(instance, Mapping) and "rule" in instance:
        # Report the errors of the branch that matches the rule, not of all seven.
        matching = [
            sub
            for sub in error.context or []
            if sub.validator != "const"
            and sub.relative_schema_path[0] == _rule_branch(error, instance)
        ]
        if not matching:
            message = _(
                "%(where)s: unknown assignee rule '%(rule)s'",
                where=element_name(document, list(error.absolute_path)),
                rule=instance["rule"],
            )
            return [Problem(path + ".rule", message)]
        return [p for sub in matching for p in _explain(sub, document)]
    if error.validator == "additionalProperties":
        return [Problem(path, sentence(error, document), field=field)]
    if error.validator in {"allOf", "anyOf"} and error.context:
        subs = list(error.context)
        if error.validator == "anyOf":
            # A text is a string or per-language strings: report the branch of the value's
            # kind, not that a string is not an object.
            kinds = [s for s in subs if s.validator == "type" and len(s.relative_schema_path) == 2]
            if len(kinds) == len(subs):
                member = next((p for p in reversed(error.absolute_path) if isinstance(p, str)), "")
                message = _(
                    "%(where)s: %(what)s must be text, or texts per language",
                    where=element_name(document, list(error.absolute_path)),
                    what=member_name(member) if member else _("the value"),
                )
                return [Problem(path, message, field=field)]
            subs = [s for s in subs if s not in kinds]
        return [p for sub in subs for p in _explain(sub, document)]
    return [Problem(path, sentence(error, document), field=field)]


def _rule_branch(error: jsonschema.ValidationError, instance: Mapping[str, Any]) -> int | None:
    for index, branch in enumerate(error.validator_value):
        if branch.get("properties", {}).get("rule", {}).get("const") == instance.get("rule"):
            return index
    return None


def _required_names(schema_part: Any) -> set[str]:
    if isinstance(schema_part, Mapping):
        names = set(schema_part.get("required", []))
        for key in ("anyOf", "allOf", "oneOf"):
            for sub in schema_part.get(key, []):
                names |= _required_names(sub)
        return names
    return set()


def _field_key(document: Mapping[str, Any], path: list[Any]) -> str | None:
    if len(path) >= 2 and path[0] == "fields" and isinstance(path[1], int):
        fields = document.get("fields")
        if (
            isinstance(fields, list)
            and path[1] < len(fields)
            and isinstance(fields[path[1]], Mapping)
        ):
            key = fields[path[1]].get("key")
            return key if isinstance(key, str) else None
    return None


def dump_document(document: Mapping[str, Any]) -> str:
    """The canonical JSON text of a document: what export writes, byte for byte repeatable."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def digest(document: Mapping[str, Any]) -> str:
    """A hash of the document's canonical text: equal documents share it, so a form compiled
    from an unpublished document can be cached on it (the compiler's cache never forgets)."""
    return hashlib.sha256(dump_document(document).encode("utf-8")).hexdigest()
