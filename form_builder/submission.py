"""The server's authority over a posted form: what the new stored values are, or why not.

The browser's work (visibility, computed values, client-side checks) is a convenience; here
everything is decided again from the definition:

- only fields the node may edit are taken from the post; every other field keeps its old
  value (a default fills a field that never had one), and posted values for read-only,
  hidden or computed fields — table cells included — are reported in ``ignored``;
- ``visible_if`` is evaluated over the new values: an editable or computed field whose
  condition does not hold is not validated (so not required) and is cleared;
- computed fields and computed table columns are recomputed in dependency order;
- rich text is sanitized (the form field's filter); the files of fields whose type carries
  uploads (``FieldType.uploads``) are sniffed and checked against the field's policy.

A failed submission changes nothing: no value, no file, no row.
"""

from __future__ import annotations

import dataclasses
import errno
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import wtforms
from flask import current_app
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from form_builder.attachments import (
    DEFAULT_MAX_MB,
    AttachmentPolicy,
    AttachmentRefused,
    AttachmentStore,
    FormAttachment,
    Upload,
)
from form_builder.compiler import BoundForm, CompiledForm
from form_builder.directory import Directory, Viewer
from form_builder.expression import compute, holds
from form_builder.values import expression_value, expression_values, to_stored
from form_builder.words import gettext
from plugins.field_kit import RequiredMessage, required_message
from plugins.fields import field_type

# Errors of a write that found no room: disk full, quota, the process's file size limit.
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


@dataclass(frozen=True)
class SubmissionResult:
    """The outcome of :func:`apply_submission`.

    Attributes:
        values: the full new stored values (the old values, unchanged, when there are errors).
        changes: key -> (old, new) for every value that changed; empty on errors.
        errors: field path -> messages naming the field ("Amount: must be at least 1.", in
            the request's language); a table cell's path is its input name ("items-2-amount":
            row 3). Empty if valid.
        ignored: sorted paths of posted fields the node may not edit: the key of a read-only,
            hidden or computed field, or the input name of a computed table cell. For audit.
        form: the bound form, carrying the post and its errors, to show the page again.
        new_attachments: rows for the files uploaded by this submission (their bytes are
            stored). Not yet in any session: add them in the transaction that saves
            ``values``.
    """

    values: Mapping[str, Any]
    changes: Mapping[str, tuple[Any, Any]]
    errors: Mapping[str, list[str]]
    ignored: tuple[str, ...]
    form: BoundForm
    new_attachments: tuple[FormAttachment, ...] = ()
    held: Mapping[str, tuple[FormAttachment, ...]] = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the submission is valid (and ``values`` hold the new values)."""
        return not self.errors


def apply_submission(
    compiled: CompiledForm,
    *,
    old_values: Mapping[str, Any],
    formdata: MultiDict,
    files: MultiDict | None,
    viewer: Viewer,
    directory: Directory,
    attachments: AttachmentStore | None,
    uploader_id: int | None = None,
    now: datetime | None = None,
    partial: bool = False,
) -> SubmissionResult:
    """Validate a post of ``compiled`` against ``old_values``; see the module docstring.

    ``formdata``/``files`` are the request's ``form``/``files``. ``attachments`` (with
    ``uploader_id``, the ``ab_user.id`` recorded as uploader) must be given when the node
    edits an attachments field. ``now`` fixes the time defaults are taken at (tests).
    ``partial`` is for saving a draft: missing required values are allowed, every other
    problem still refuses the post.
    """
    posted = CombinedMultiDict([formdata, files]) if files else formdata
    ignored = _ignored(compiled, list(formdata.keys()) + list(files.keys() if files else ()))
    bound = compiled.bind(
        viewer=viewer, directory=directory, values=old_values, formdata=posted, now=now, csrf=False
    )
    draft = bound.current_values()
    hidden = _settle(compiled, draft)

    form = bound.form
    form.validate()
    for key in hidden:
        field = bound.field(key)
        if field is not None:
            _clear_errors(field)
    errors = _collect_errors(compiled, bound, partial=partial)
    uploads = _check_attachments(compiled, bound, hidden, errors, partial=partial)
    if errors:
        held = _hold(uploads, errors, attachments, uploader_id)
        return SubmissionResult(dict(old_values), {}, errors, ignored, bound, held=held)

    new_rows: list[FormAttachment] = []
    for key, accepted in uploads.items():
        if accepted and (attachments is None or uploader_id is None):
            raise ValueError("storing uploads needs an AttachmentStore and the uploader's id")
        try:
            rows = [attachments.save(upload, uploaded_by_id=uploader_id) for upload in accepted]
        except OSError as error:
            if error.errno not in DISK_FULL:
                raise
            # Refused like any problem of the form: nothing is applied, and the store has
            # removed its partly written file (a file saved before it is an orphan the sweep
            # removes). The message says what happened, not a 500.
            full = {key: [gettext("The file could not be stored: the server's disk is full.")]}
            return SubmissionResult(dict(old_values), {}, full, ignored, bound)
        draft[key] = [*draft[key], *(row.to_value() for row in rows)]
        new_rows.extend(rows)
    _recompute(compiled, draft, hidden)
    changes = {
        key: (old_values.get(key), draft.get(key))
        for key in draft.keys() | old_values.keys()
        if draft.get(key) != old_values.get(key)
    }
    return SubmissionResult(draft, changes, {}, ignored, bound, tuple(new_rows))


def _hold(
    uploads: Mapping[str, list[Upload]],
    errors: Mapping[str, list[str]],
    attachments: AttachmentStore | None,
    uploader_id: int | None,
) -> dict[str, tuple[FormAttachment, ...]]:
    """The accepted uploads of the fields without problems of their own, stored, so that a
    post refused for another field keeps them (issue 19, defect 2): rows not yet in any
    session, for the caller to commit as pending uploads. Nothing when they cannot be."""
    if attachments is None or uploader_id is None:
        return {}
    held: dict[str, tuple[FormAttachment, ...]] = {}
    for key, accepted in uploads.items():
        if accepted and key not in errors:
            try:
                held[key] = tuple(attachments.save(u, uploaded_by_id=uploader_id) for u in accepted)
            except OSError:
                return {}  # the disk is full: chosen again, the files give the reason
    return held


# --- What the node may not edit --------------------------------------------------------------


def _ignored(compiled: CompiledForm, names: Iterable[str]) -> tuple[str, ...]:
    found = set()
    for name in names:
        key, _, rest = name.partition("-")
        spec = compiled.by_key.get(key)
        if spec is None:
            continue  # not a field (the CSRF token, an action button)
        if not compiled.editable(key):
            found.add(key)
        elif key in compiled.tables:
            column = rest.partition("-")[2]
            if any(c["key"] == column and not field_type(c).editable for c in spec["columns"]):
                found.add(name)
    return tuple(sorted(found))


# --- Visibility and computed values ----------------------------------------------------------


def _settle(compiled: CompiledForm, draft: dict[str, Any]) -> set[str]:
    """Clear what is not visible and recompute, until visibility stops changing.

    Visibility may depend on computed values and computed values on visible ones, so this
    iterates; a definition that never settles (a condition flipping on its own effect) is cut
    off after one round per field, leaving the last round's result. ``draft`` is updated.
    Returns the keys whose condition does not hold.
    """
    proposed = dict(draft)
    hidden: set[str] = set()
    for _ in range(len(compiled.fields) + 1):
        draft.clear()
        draft.update(proposed)
        for key in hidden:
            if _follows_visibility(compiled, key):
                draft[key] = None
        _recompute(compiled, draft, hidden)
        names = expression_values(compiled.fields, draft)
        now_hidden = {
            key for key, condition in compiled.visibility.items() if not holds(condition, names)
        }
        if now_hidden == hidden:
            break
        hidden = now_hidden
    return hidden


def _follows_visibility(compiled: CompiledForm, key: str) -> bool:
    """Whether a field hidden by its condition is cleared: editable and computed ones are;
    fields this node only reads keep their stored value."""
    spec = compiled.by_key[key]
    return compiled.editable(key) or field_type(spec).expression_of(spec) is not None


def _recompute(compiled: CompiledForm, draft: dict[str, Any], hidden: set[str]) -> None:
    """Computed table columns (over their row), then computed fields in dependency order."""
    for key, table in compiled.tables.items():
        rows = draft.get(key)
        if not table.computed or not compiled.editable(key) or not rows:
            continue
        columns = table.spec["columns"]
        new_rows = []
        for row in rows:
            row = dict(row)
            names = expression_values(columns, row)
            for item in table.computed:
                row[item.key] = to_stored(item.spec, compute(item.expression, names))
                names[item.key] = expression_value(item.spec, row[item.key])
            new_rows.append(row)
        draft[key] = new_rows
    names = expression_values(compiled.fields, draft)
    for item in compiled.computed:
        value = None if item.key in hidden else compute(item.expression, names)
        draft[item.key] = to_stored(item.spec, value)
        names[item.key] = expression_value(item.spec, draft[item.key])


# --- Errors ----------------------------------------------------------------------------------


def _clear_errors(field: wtforms.Field) -> None:
    if isinstance(field, wtforms.FormField):
        for sub in field.form:
            sub.errors = []
    elif isinstance(field, wtforms.FieldList):
        field.errors = []
        for entry in field.entries:
            _clear_errors(entry)
    else:
        field.errors = []


def _collect_errors(
    compiled: CompiledForm, bound: BoundForm, *, partial: bool
) -> dict[str, list[str]]:
    """Every message of the form, prefixed with the field (and row) it is about, in the
    request's language. A draft (``partial``) is not refused for missing required values."""

    def refusing(messages: Iterable[Any]) -> list[str]:
        # A table's own errors also hold its rows' (lists, dicts): those are the cells'.
        return [
            message
            for message in messages
            if isinstance(message, str) and not (partial and isinstance(message, RequiredMessage))
        ]

    errors: dict[str, list[str]] = {}
    for spec in compiled.fields:
        field = bound.field(spec["key"])
        if field is None:
            continue
        label = spec["label"]
        if isinstance(field, wtforms.FieldList):
            messages = refusing(field.errors)
            for number, entry in enumerate(field.entries, start=1):
                for cell in entry.form:
                    in_cell = refusing(cell.errors)
                    if in_cell:
                        column = cell.label.text
                        errors[cell.name] = [
                            _in_row(label, number, column, message) for message in in_cell
                        ]
        elif isinstance(field, wtforms.FormField):
            messages = refusing(message for sub in field.form for message in sub.errors)
        else:
            messages = refusing(field.errors)
        if messages:
            errors[spec["key"]] = [_about(label, message) for message in messages]
    return errors


def _about(label: str, message: str) -> str:
    """``message`` naming the field it is about: "Reason: is required." (事由：必填。)."""
    return gettext("%(label)s: %(message)s", label=label, message=message)


def _in_row(table: str, row: int, column: str, message: str) -> str:
    """``message`` naming the table, row and column of the cell it is about."""
    return gettext(
        "%(table)s, row %(row)s, %(column)s: %(message)s",
        table=table,
        row=row,
        column=column,
        message=message,
    )


# --- Attachments -----------------------------------------------------------------------------


def _check_attachments(
    compiled: CompiledForm,
    bound: BoundForm,
    hidden: set[str],
    errors: dict[str, list[str]],
    *,
    partial: bool,
) -> dict[str, list[Upload]]:
    """Per editable, shown field whose type carries uploads, the accepted new uploads;
    problems go into ``errors`` (the messages name the field and the file), all at once. A
    draft (``partial``) may leave a required field without files."""
    uploads: dict[str, list[Upload]] = {}
    global_mb = current_app.config.get("OA_ATTACHMENT_MAX_MB", DEFAULT_MAX_MB)
    for spec in compiled.fields:
        key = spec["key"]
        field = bound.field(key)
        if not field_type(spec).uploads or field is None or key in hidden:
            continue
        policy = AttachmentPolicy.for_field(spec, global_mb)
        keep = set(field.form.keep.data or ())
        kept = [item for item in bound.values.get(key) or () if item["id"] in keep]
        posted = field.form.files.data or ()
        problems: list[str] = []
        uploads[key] = []
        for storage in posted:
            # One byte more than allowed is enough to know a file is too big.
            content = storage.stream.read(policy.max_bytes + 1)
            try:
                uploads[key].append(policy.check(storage.filename, content))
            except AttachmentRefused as refused:
                problems.append(str(refused))
        too_many = policy.check_count(len(kept) + len(posted))
        if too_many:
            problems.append(too_many)
        if spec.get("required") and not kept and not posted and not partial:
            problems.append(_about(spec["label"], required_message()))
        if problems:
            errors.setdefault(key, []).extend(problems)
    return uploads
