"""What the library pages and API list: the folders a person reads with their file counts,
a folder's files, the search, a file's versions and trail. Every list is filtered by
``policy.reader`` (the folders the reader may open)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oa_platform.library import search
from oa_platform.library.models import LibraryEvent, LibraryFile, LibraryFolder, LibraryVersion
from oa_platform.library.policy import Reader

PAGE = 50


def folders(session: Session, seen: Reader) -> list[tuple[LibraryFolder, int]]:
    """The folders ``seen`` reads, by company, department and name, with their current files."""
    if not seen.folder_ids:
        return []
    ids = sorted(seen.folder_ids)
    counts = dict(
        session.execute(
            select(LibraryFile.folder_id, func.count())
            .where(LibraryFile.folder_id.in_(ids), LibraryFile.status == "current")
            .group_by(LibraryFile.folder_id)
        ).all()
    )
    found = session.scalars(
        select(LibraryFolder)
        .where(LibraryFolder.id.in_(ids))
        .order_by(
            LibraryFolder.company_id,
            LibraryFolder.department_id.is_not(None),
            LibraryFolder.department_id,
            LibraryFolder.name,
        )
    )
    return [(folder, int(counts.get(folder.id, 0))) for folder in found]


def files(
    session: Session, seen: Reader, folder: LibraryFolder, limit: int = PAGE
) -> list[LibraryFile]:
    """A folder's files, newest first; withdrawn ones too for the office and Auditors."""
    statement = select(LibraryFile).where(LibraryFile.folder_id == folder.id)
    if not seen.sees_withdrawn(folder.id):
        statement = statement.where(LibraryFile.status == "current")
    return list(
        session.scalars(
            statement.order_by(LibraryFile.updated_at.desc(), LibraryFile.id.desc()).limit(limit)
        )
    )


def find(session: Session, seen: Reader, text: str, limit: int = PAGE) -> list[LibraryFile]:
    """Current files of the folders ``seen`` reads holding every word of ``text`` (name,
    description or content), newest first. No words, no files."""
    condition = search.matches(session, text)
    if condition is None or not seen.folder_ids:
        return []
    statement = (
        select(LibraryFile)
        .where(
            LibraryFile.status == "current",
            LibraryFile.folder_id.in_(sorted(seen.folder_ids)),
            condition,
        )
        .order_by(LibraryFile.updated_at.desc(), LibraryFile.id.desc())
        .limit(limit)
    )
    with search.serial(session):
        return list(session.scalars(statement))


def versions(session: Session, file: LibraryFile) -> list[LibraryVersion]:
    """Every version of ``file``, newest first."""
    return list(
        session.scalars(
            select(LibraryVersion)
            .where(LibraryVersion.file_id == file.id)
            .order_by(LibraryVersion.number.desc())
        )
    )


def trail(session: Session, file: LibraryFile) -> list[LibraryEvent]:
    """The file's trail, oldest first (publication, versions, withdrawal with its reason)."""
    return list(
        session.scalars(
            select(LibraryEvent).where(LibraryEvent.file_id == file.id).order_by(LibraryEvent.id)
        )
    )
