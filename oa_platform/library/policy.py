"""Who may see and do what in the file library: the one owner of the rule (seed 2 §7.1).

Seeing: a folder opens for its audience, entries of ``LibraryFolder.audience``:
``everyone``; ``company:CODE`` (every department of that company); ``department:CO/CODE``
(that department and the departments under it); ``role:Name`` (holders of the role). A
folder with no entry is the office's alone. Its current files open with it; a withdrawn
file (invalid or confidential) opens only for the office and Auditors, for the record.
Everyone else is told the folder, its files, their downloads and search hits do not exist
(404).

Publishing (seed 2 §7.1: "the group office ... publishes"): a member of the Group Office
(department ``OFFICE`` of the group company) publishes in every company's folders; a member
of a company's own office (its department ``OFFICE``) in that company's folders. They make
folders, set audiences, publish files and versions, and withdraw. Auditors read everything,
withdrawn files and trails included, and change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from oa_platform.library.models import LibraryFile, LibraryFolder
from oa_platform.org.models import Company, CompanyKind, Department
from oa_platform.runtime.visibility import is_auditor

OFFICE = "OFFICE"  # the department code of an office (the group's and each company's)
EVERYONE = "everyone"


class LibraryNotFoundError(LookupError):
    """The folder or file does not exist, or the person may not know it does (404)."""


def _department_chain(department: Department | None) -> list[Department]:
    chain: list[Department] = []
    while department is not None and department not in chain:
        chain.append(department)
        department = department.parent
    return chain


def audience_keys(user) -> set[str]:
    """The audience entries that include ``user``."""
    keys = {EVERYONE, *(f"role:{role.name}" for role in user.roles)}
    department = user.department
    if department is not None:
        company = department.company
        keys.add(f"company:{company.code}")
        keys.update(
            f"department:{company.code}/{unit.code}" for unit in _department_chain(department)
        )
    return keys


def office_companies(session: Session, user) -> set[int] | None:
    """The companies whose folders ``user`` publishes in: None for every company (the Group
    Office), an empty set for people outside any office."""
    department = user.department
    if department is None or department.code != OFFICE:
        return set()
    if department.company.kind == CompanyKind.GROUP:
        return None
    return {department.company_id}


def is_publisher(session: Session, user) -> bool:
    """Whether ``user`` publishes in some company's folders (the pages offer the forms)."""
    return office_companies(session, user) != set()


def publishes_in(session: Session, user, company_id: int) -> bool:
    companies = office_companies(session, user)
    return companies is None or company_id in companies


@dataclass(frozen=True)
class Reader:
    """What one person sees in the library, worked out once per request: the folders they
    read, those they publish in, and whether they see withdrawn files."""

    folder_ids: frozenset[int]
    publishing: frozenset[int]
    auditor: bool

    def sees_withdrawn(self, folder_id: int) -> bool:
        return self.auditor or folder_id in self.publishing


def reader(session: Session, user) -> Reader:
    """The folders ``user`` reads and publishes in (folders are few: one query)."""
    auditor = is_auditor(user)
    companies = office_companies(session, user)
    keys = audience_keys(user)
    readable, publishing = set(), set()
    for folder_id, company_id, audience in session.execute(
        select(LibraryFolder.id, LibraryFolder.company_id, LibraryFolder.audience)
    ):
        office = companies is None or company_id in companies
        if office:
            publishing.add(folder_id)
        if auditor or office or keys.intersection(audience or ()):
            readable.add(folder_id)
    return Reader(frozenset(readable), frozenset(publishing), auditor)


def folder(session: Session, user, folder_id: int, seen: Reader | None = None) -> LibraryFolder:
    """The folder, or :class:`LibraryNotFoundError` whether missing or not for ``user``."""
    seen = seen or reader(session, user)
    found = session.get(LibraryFolder, folder_id) if folder_id in seen.folder_ids else None
    if found is None:
        raise LibraryNotFoundError(folder_id)
    return found


def file(session: Session, user, file_id: int, seen: Reader | None = None) -> LibraryFile:
    """The file, or :class:`LibraryNotFoundError`: missing, in a folder not for ``user``, or
    withdrawn and ``user`` neither of the office nor an Auditor."""
    seen = seen or reader(session, user)
    found = session.get(LibraryFile, file_id)
    if found is None or found.folder_id not in seen.folder_ids:
        raise LibraryNotFoundError(file_id)
    if found.status != "current" and not seen.sees_withdrawn(found.folder_id):
        raise LibraryNotFoundError(file_id)
    return found


def may_publish(session: Session, user, target: LibraryFolder) -> bool:
    """Publishing, new versions, audiences and withdrawal in ``target`` (Auditors never)."""
    return not is_auditor(user) and publishes_in(session, user, target.company_id)


def may_make_folder(session: Session, user, company: Company) -> bool:
    return not is_auditor(user) and publishes_in(session, user, company.id)


def may_see_trail(session: Session, user, target: LibraryFolder) -> bool:
    """A file's trail (withdrawals with their reasons): the office and Auditors."""
    return is_auditor(user) or publishes_in(session, user, target.company_id)
