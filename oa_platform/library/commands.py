"""The library's write path: each use case checks ``policy`` and runs in one unit of work;
pages and the REST API call these and only render what they answer. A refused command
raises :class:`LibraryCommandError` (its message names the field) and changes nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from flask_appbuilder.security.sqla.models import Role
from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from form_builder.attachments import (
    KINDS,
    AttachmentPolicy,
    AttachmentRefused,
    AttachmentStore,
    FormAttachment,
    display_name,
)
from form_builder.clock import utcnow
from oa_platform.library import extract, policy, search
from oa_platform.library.models import LibraryEvent, LibraryFile, LibraryFolder, LibraryVersion
from oa_platform.org.models import Company, Department
from oa_platform.unit_of_work import unit_of_work

# Every kind of file the attachments accept (the library holds the company's practical files).
ACCEPT = tuple(KINDS)
WITHDRAWN_AS = ("invalid", "confidential")
_ENTRY = re.compile(r"^(company|department|role):(\S.{0,120})$")
_SEPARATORS = re.compile(r"[\n,;，；]+")


class LibraryCommandError(ValueError):
    """A refused library command; the message says why (shown to the person)."""


@dataclass(frozen=True)
class Upload:
    """A file as it came from the page or the API: its name and bytes."""

    filename: str | None
    content: bytes


def parse_audience(text: str | list[str] | None) -> list[str]:
    """The entries of an audience typed one a line or separated by commas, without repeats."""
    items = text if isinstance(text, list) else _SEPARATORS.split(text or "")
    seen: dict[str, None] = {}
    for item in items:
        if item.strip():
            seen.setdefault(item.strip(), None)
    return list(seen)


def _check_audience(session: Session, entries: list[str]) -> list[str]:
    for entry in entries:
        if entry == policy.EVERYONE:
            continue
        match = _ENTRY.match(entry)
        if match is None:
            raise LibraryCommandError(
                gettext(
                    "audience: '%(entry)s' is not everyone, company:, department: or role:.",
                    entry=entry,
                )
            )
        kind, code = match.groups()
        if kind == "company":
            known = session.scalar(select(Company.id).where(Company.code == code))
        elif kind == "department":
            company, _slash, department = code.partition("/")
            known = session.scalar(
                select(Department.id)
                .join(Company, Company.id == Department.company_id)
                .where(Company.code == company, Department.code == department)
            )
        else:
            known = session.scalar(select(Role.id).where(Role.name == code))
        if known is None:
            raise LibraryCommandError(gettext("audience: there is no %(entry)s.", entry=entry))
    return entries


def _event(session: Session, user, folder: LibraryFolder, event: str, file=None, **detail):
    session.add(
        LibraryEvent(
            folder_id=folder.id,
            file_id=file.id if file is not None else None,
            event=event,
            actor_id=user.id,
            at=utcnow(),
            detail=detail,
        )
    )


def _publishable(session: Session, user, folder_id: int) -> LibraryFolder:
    folder = policy.folder(session, user, folder_id)
    if not policy.may_publish(session, user, folder):
        raise LibraryCommandError(gettext("Only the office publishes in the library (§7.1)."))
    return folder


def create_folder(
    session: Session,
    user,
    company_code: str,
    department_code: str,
    name: str,
    audience: list[str],
) -> LibraryFolder:
    """A new folder of a company (or one of its departments) shown to ``audience``."""

    def work() -> LibraryFolder:
        company = session.scalar(select(Company).where(Company.code == company_code))
        if company is None:
            raise LibraryCommandError(gettext("company: choose a company."))
        if not policy.may_make_folder(session, user, company):
            raise LibraryCommandError(gettext("Only the office publishes in the library (§7.1)."))
        department = None
        if department_code:
            department = session.scalar(
                select(Department).where(
                    Department.company_id == company.id, Department.code == department_code
                )
            )
            if department is None:
                raise LibraryCommandError(
                    gettext(
                        "department: %(code)s is not a department of the company.",
                        code=department_code,
                    )
                )
        title = name.strip()
        if not title:
            raise LibraryCommandError(gettext("name: give the folder a name."))
        if len(title) > 200:
            raise LibraryCommandError(gettext("name: at most 200 characters."))
        # The unique constraint leaves a company's own folders (no department, NULL) apart.
        same = session.scalar(
            select(LibraryFolder.id).where(
                LibraryFolder.company_id == company.id,
                LibraryFolder.department_id == (department.id if department else None)
                if department
                else LibraryFolder.department_id.is_(None),
                LibraryFolder.name == title,
            )
        )
        if same is not None:
            raise LibraryCommandError(gettext("name: the unit already has a folder of that name."))
        folder = LibraryFolder(
            company_id=company.id,
            department_id=department.id if department else None,
            name=title,
            audience=_check_audience(session, audience),
            created_by_id=user.id,
            created_at=utcnow(),
        )
        session.add(folder)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError as error:
            raise LibraryCommandError(
                gettext("name: the unit already has a folder of that name.")
            ) from error
        _event(session, user, folder, "folder_created", name=title, audience=folder.audience)
        return folder

    return unit_of_work(session).run(work, conflicts=())


def set_audience(session: Session, user, folder_id: int, audience: list[str]) -> LibraryFolder:
    """Change who sees a folder (recorded in its trail)."""

    def work() -> LibraryFolder:
        folder = _publishable(session, user, folder_id)
        before = list(folder.audience or [])
        folder.audience = _check_audience(session, audience)
        _event(session, user, folder, "audience_changed", before=before, after=folder.audience)
        return folder

    return unit_of_work(session).run(work)


def _store(session: Session, user, upload: Upload) -> tuple[FormAttachment, str]:
    """Check and keep the bytes as attachments are kept; the row and the file's text."""
    limit = current_app.config.get("OA_ATTACHMENT_MAX_MB", 20)
    rules = AttachmentPolicy(label=gettext("file"), accept=ACCEPT, max_files=1, max_mb=float(limit))
    try:
        checked = rules.check(upload.filename, upload.content)
    except AttachmentRefused as error:
        raise LibraryCommandError(str(error)) from error
    row = AttachmentStore.for_app(current_app).save(checked, uploaded_by_id=user.id)
    session.add(row)
    return row, extract.text_of(checked.kind, checked.content)


def _version(file: LibraryFile, number: int, row: FormAttachment, text: str, user, note: str):
    return LibraryVersion(
        file_id=file.id,
        number=number,
        attachment_id=row.id,
        file_name=row.file_name,
        file_type=row.file_type,
        size=row.size,
        note=note.strip()[:2000],
        text=text,
        uploaded_by_id=user.id,
        uploaded_at=utcnow(),
    )


def publish(
    session: Session,
    user,
    folder_id: int,
    upload: Upload,
    name: str = "",
    description: str = "",
) -> LibraryFile:
    """Publish a file in a folder (version 1); its name defaults to the file's name."""

    def work() -> LibraryFile:
        folder = _publishable(session, user, folder_id)
        row, text = _store(session, user, upload)
        title = (name or "").strip() or display_name(upload.filename)
        if len(title) > 255:
            raise LibraryCommandError(gettext("name: at most 255 characters."))
        now = utcnow()
        file = LibraryFile(
            folder_id=folder.id,
            name=title,
            description=(description or "").strip()[:4000],
            status="current",
            current_version=1,
            published_by_id=user.id,
            published_at=now,
            updated_at=now,
        )
        file.search_text = search.search_text(file.name, file.description, text)
        session.add(file)
        session.flush()
        session.add(_version(file, 1, row, text, user, ""))
        search.reindex(session, file.id, file.search_text)
        _event(session, user, folder, "published", file, name=title, file_name=row.file_name)
        return file

    return unit_of_work(session).run(work)


def add_version(
    session: Session, user, file_id: int, upload: Upload, note: str = ""
) -> LibraryVersion:
    """A new version of a current file: it becomes the one listed, downloaded and searched;
    the earlier versions stay downloadable."""

    def work() -> LibraryVersion:
        file = policy.file(session, user, file_id)
        folder = _publishable(session, user, file.folder_id)
        if file.status != "current":
            raise LibraryCommandError(gettext("The file is withdrawn."))
        row, text = _store(session, user, upload)
        number = file.current_version + 1
        version = _version(file, number, row, text, user, note)
        session.add(version)
        file.current_version = number
        file.updated_at = utcnow()
        file.search_text = search.search_text(file.name, file.description, text)
        search.reindex(session, file.id, file.search_text)
        _event(
            session, user, folder, "version_added", file, version=number, file_name=row.file_name
        )
        return version

    return unit_of_work(session).run(work)


def withdraw(session: Session, user, file_id: int, kind: str, reason: str) -> LibraryFile:
    """Withdraw an invalid or confidential file (seed 2 §7.1) with the reason, in its trail:
    readers no longer see, find or download it; the office and Auditors still do."""

    def work() -> LibraryFile:
        file = policy.file(session, user, file_id)
        folder = _publishable(session, user, file.folder_id)
        if kind not in WITHDRAWN_AS:
            raise LibraryCommandError(gettext("as: choose invalid or confidential."))
        if not reason.strip():
            raise LibraryCommandError(gettext("reason: say why the file is withdrawn."))
        if file.status != "current":
            raise LibraryCommandError(gettext("The file is withdrawn."))
        file.status = "withdrawn"
        file.withdrawn_as = kind
        file.withdrawn_reason = reason.strip()[:2000]
        file.withdrawn_at = utcnow()
        file.withdrawn_by_id = user.id
        _event(session, user, folder, "withdrawn", file, kind=kind, reason=file.withdrawn_reason)
        return file

    return unit_of_work(session).run(work)


def download(
    session: Session, user, file_id: int, number: int | None = None
) -> tuple[LibraryFile, LibraryVersion]:
    """The version to send (the current one unless ``number``), counted on the file and the
    version by an increment in the database (downloads at once all count)."""

    def work() -> tuple[LibraryFile, LibraryVersion]:
        file = policy.file(session, user, file_id)
        wanted = number or file.current_version
        version = session.scalar(
            select(LibraryVersion).where(
                LibraryVersion.file_id == file.id, LibraryVersion.number == wanted
            )
        )
        if version is None:
            raise policy.LibraryNotFoundError(file_id)
        session.execute(
            update(LibraryFile)
            .where(LibraryFile.id == file.id)
            .values(downloads=LibraryFile.downloads + 1)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(LibraryVersion)
            .where(LibraryVersion.id == version.id)
            .values(downloads=LibraryVersion.downloads + 1)
            .execution_options(synchronize_session=False)
        )
        return file, version

    return unit_of_work(session).run(work)
