"""HR's bulk import of new users from CSV or an Excel workbook (seed 2 §5.1): all rows or none.

Columns: name, username, email, company, department, position (any order, header required;
company by code or name, department by code or name within that company, position by name).
Every bad row is reported with its line number and reason (in a workbook: the sheet, row and
column of the cell, issue 19 deliver 9); one bad row imports nothing. A workbook (.xlsx, told
apart from CSV by its content, not its name) is read from its first sheet.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from oa_platform.accounts.audit import record_account_event
from oa_platform.accounts.commands import current_policy
from oa_platform.accounts.exceptions import ImportProblem, UserImportError
from oa_platform.accounts.models import OAUser
from oa_platform.accounts.names import split_name
from oa_platform.accounts.passwords import hash_password, one_time_password, store_password_hash
from oa_platform.extensions import db
from oa_platform.org.models import Company, Department, Position
from oa_platform.unit_of_work import unit_of_work

COLUMNS = ("name", "username", "email", "company", "department", "position")
DEFAULT_ROLE = "Staff"
# An .xlsx file is a ZIP archive; a CSV never starts with these bytes.
XLSX_MAGIC = b"PK\x03\x04"
# Excel 97-2003 (.xls) and password-protected workbooks are OLE compound files.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A workbook compresses well: a file under the size limit could still hold millions of rows.
MAX_SHEET_ROWS = 20_000

# ``progress(stage, done, total)``: "checked" once all rows passed, "hashed" after each
# one-time password, "written" once the transaction committed (the CLI's bar, issue 19).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ImportedUser:
    """One created account and its one-time initial password (shown once, never stored)."""

    username: str
    name: str
    initial_password: str


# A Chinese character in UTF-8: three bytes, the first E4-E9 (the CJK block).
_UTF8_CJK = re.compile(rb"[\xe4-\xe9][\x80-\xbf][\x80-\xbf]")


def _decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without its mark), or GBK/GB18030 as Excel saves a
    CSV on a Chinese Windows; a file mixing the two is refused with the line it turns at."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if not _UTF8_CJK.search(data[: exc.start]):
            try:
                return data.decode("gb18030")
            except UnicodeDecodeError:
                pass
        raise UserImportError(
            [
                ImportProblem(
                    line,
                    gettext(
                        "the file mixes encodings or is neither UTF-8 nor GBK text "
                        "(save it as CSV UTF-8)"
                    ),
                )
            ]
        ) from None


class _Lookups:
    """Org and user look-ups loaded once per import rather than once per row."""

    def __init__(self) -> None:
        companies = db.session.scalars(select(Company)).all()
        self.companies = {c.code.lower(): c for c in companies} | {
            c.name.lower(): c for c in companies
        }
        self.departments: dict[tuple[int, str], Department] = {}
        for d in db.session.scalars(select(Department)).all():
            self.departments[(d.company_id, d.code.lower())] = d
            self.departments[(d.company_id, d.name.lower())] = d
        self.positions = {p.name.lower(): p for p in db.session.scalars(select(Position))}
        self.usernames = set(db.session.scalars(select(func.lower(OAUser.username))))
        self.emails = set(db.session.scalars(select(func.lower(OAUser.email))))


def _records(reader: csv.DictReader):
    """(line number, row) pairs; a structurally broken file stops at the last good line (the
    csv module's own count is not reliable at the point of failure)."""
    good_line = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UserImportError(
                [
                    ImportProblem(
                        0,
                        gettext(
                            "the CSV is malformed after line %(line)s (%(error)s)",
                            line=good_line,
                            error=exc,
                        ),
                    )
                ]
            ) from None
        good_line = reader.line_num
        yield reader.line_num, record


def _cell_text(value: object) -> str:
    """A cell as the text HR typed: Excel stores 1001 as 1001.0 and dates as datetimes."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    return str(value)


def _unreadable(exc: Exception) -> UserImportError:
    return UserImportError(
        [
            ImportProblem(
                0,
                gettext(
                    "the Excel workbook cannot be read (%(error)s); save it again as "
                    ".xlsx or as CSV UTF-8",
                    error=exc.__class__.__name__,
                ),
            )
        ]
    )


def _workbook(data: bytes) -> tuple[str, list[str], list[tuple[int, list[str]]]]:
    """The first sheet's name, header cells and (row number, cells) of the other rows."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any unreadable workbook: ZIP, XML or openpyxl's own errors
        raise _unreadable(exc) from None
    try:
        sheet = workbook.worksheets[0]
        title = sheet.title
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_SHEET_ROWS + 1:
                raise UserImportError(
                    [
                        ImportProblem(
                            0,
                            gettext(
                                "the sheet has more than %(limit)s rows; split it into "
                                "several files",
                                limit=MAX_SHEET_ROWS,
                            ),
                            sheet=title,
                        )
                    ]
                )
            rows.append((number, [_cell_text(v).strip() for v in values]))
    except UserImportError:
        raise
    except Exception as exc:  # a sheet whose XML breaks half-way
        raise _unreadable(exc) from None
    finally:
        workbook.close()
    if not rows:
        return title, [], []
    return title, rows[0][1], rows[1:]


def _csv_records(data: bytes) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    text = _decode(data)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    return header, _records(reader)


def _sheet_records(header: list[str], rows: list[tuple[int, list[str]]]):
    for number, cells in rows:
        yield number, dict(zip(header, cells, strict=False))


def parse_users(data: bytes) -> list[dict]:
    """Validate the whole file (CSV or .xlsx); return its rows resolved to org objects, or
    raise :class:`UserImportError` listing every problem."""
    limit = int(current_app.config["OA_IMPORT_MAX_BYTES"])
    if len(data) > limit:
        raise UserImportError(
            [ImportProblem(0, gettext("the file is larger than %(limit)s bytes", limit=limit))]
        )
    sheet: str | None = None
    if data.startswith(OLE_MAGIC):
        raise UserImportError(
            [
                ImportProblem(
                    0,
                    gettext(
                        "the file is an old Excel workbook (.xls) or one with a password: "
                        "save it as .xlsx without a password, or as CSV UTF-8"
                    ),
                )
            ]
        )
    if data.startswith(XLSX_MAGIC):
        sheet, header_cells, sheet_rows = _workbook(data)
        header = [h.lower() for h in header_cells]
        records = _sheet_records(header, sheet_rows)
    else:
        header, records = _csv_records(data)
    # The column letter of each expected column, to name the cell in a workbook.
    letters = {name: get_column_letter(i + 1) for i, name in reversed(list(enumerate(header)))}
    if not any(header):
        raise UserImportError(
            [ImportProblem(1, gettext("the file is empty; expected a header row"), sheet=sheet)]
        )
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise UserImportError(
            [
                ImportProblem(
                    1,
                    gettext(
                        "missing column(s): %(missing)s; expected %(expected)s",
                        missing=", ".join(missing),
                        expected=", ".join(COLUMNS),
                    ),
                    sheet=sheet,
                )
            ]
        )

    def row_problems(line: int, reasons: list[tuple[str, str]]) -> list[ImportProblem]:
        # CSV: one message per line, as before; a workbook: one per cell, naming its column.
        if sheet is None:
            return [ImportProblem(line, "; ".join(text for _, text in reasons))]
        return [ImportProblem(line, text, sheet=sheet, column=letters[c]) for c, text in reasons]

    lookups = _Lookups()
    problems: list[ImportProblem] = []
    rows: list[dict] = []
    seen_names: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for line, record in records:
        values = {c: (record.get(c) or "").strip() for c in COLUMNS}
        if not any(values.values()):
            continue
        reasons: list[tuple[str, str]] = []
        empty = [c for c in COLUMNS if not values[c]]
        if empty and sheet is None:
            reasons.append((empty[0], gettext("empty %(columns)s", columns=", ".join(empty))))
        else:
            reasons.extend((c, gettext("empty %(columns)s", columns=c)) for c in empty)
        username = values["username"].lower()
        if username:
            if username in lookups.usernames:
                reasons.append(
                    (
                        "username",
                        gettext('user name "%(name)s" already exists', name=values["username"]),
                    )
                )
            elif username in seen_names:
                reasons.append(
                    (
                        "username",
                        gettext(
                            'user name "%(name)s" also on line %(line)s',
                            name=values["username"],
                            line=seen_names[username],
                        ),
                    )
                )
            seen_names.setdefault(username, line)
        email = values["email"]
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError as exc:
                reasons.append(
                    (
                        "email",
                        gettext(
                            'e-mail "%(email)s" is not valid (%(error)s)',
                            email=values["email"],
                            error=exc,
                        ),
                    )
                )
            else:
                if email.lower() in lookups.emails:
                    reasons.append(
                        (
                            "email",
                            gettext('e-mail "%(email)s" already belongs to a user', email=email),
                        )
                    )
                elif email.lower() in seen_emails:
                    reasons.append(
                        (
                            "email",
                            gettext(
                                'e-mail "%(email)s" also on line %(line)s',
                                email=email,
                                line=seen_emails[email.lower()],
                            ),
                        )
                    )
                seen_emails.setdefault(email.lower(), line)
        company = lookups.companies.get(values["company"].lower()) if values["company"] else None
        if values["company"] and company is None:
            reasons.append(
                ("company", gettext('unknown company "%(name)s"', name=values["company"]))
            )
        department = None
        if company is not None and values["department"]:
            department = lookups.departments.get((company.id, values["department"].lower()))
            if department is None:
                reasons.append(
                    (
                        "department",
                        gettext(
                            'unknown department "%(name)s" in %(company)s',
                            name=values["department"],
                            company=company.name,
                        ),
                    )
                )
        position = lookups.positions.get(values["position"].lower()) if values["position"] else None
        if values["position"] and position is None:
            reasons.append(
                ("position", gettext('unknown position "%(name)s"', name=values["position"]))
            )
        if reasons:
            problems.extend(row_problems(line, reasons))
        else:
            rows.append({**values, "email": email, "department": department, "position": position})
    if problems:
        raise UserImportError(problems)
    if not rows:
        raise UserImportError([ImportProblem(0, gettext("the file has no user rows"), sheet=sheet)])
    return rows


def import_users(
    data: bytes, actor_id: int | None = None, progress: Progress | None = None
) -> list[ImportedUser]:
    """Create every user in ``data`` (CSV or .xlsx) in one unit of work, or none of them.

    ``progress`` hears how far the import got (see :data:`Progress`): the command line draws
    its bar from it."""

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    # The one-time passwords and their hashes first, outside the write transaction: hashing
    # 300 of them took 45 s, during which SQLite held every other writer (the timers) off.
    policy = current_policy()
    checked = parse_users(data)
    report("checked", len(checked), len(checked))
    passwords = {row["username"]: one_time_password(policy, row["username"]) for row in checked}
    hashes: dict[str, str] = {}
    for done, (name, password) in enumerate(passwords.items(), start=1):
        hashes[name] = hash_password(password)
        report("hashed", done, len(passwords))

    def work() -> list[ImportedUser]:
        rows = parse_users(data)
        sm = current_app.appbuilder.sm
        role = sm.find_role(DEFAULT_ROLE)
        created: list[ImportedUser] = []
        users: list[tuple[OAUser, dict]] = []
        for row in rows:
            first, last = split_name(row["name"])
            user = OAUser(
                first_name=first,
                last_name=last,
                username=row["username"],
                email=row["email"],
                active=True,
                department=row["department"],
                position=row["position"],
                roles=[role] if role else [],
                must_change_password=True,
            )
            db.session.add(user)
            users.append((user, row))
        # One flush gives every user an id for the password history: a flush per user made
        # 300 rows cost 7 s of the write transaction (each flush walks the whole session).
        db.session.flush()
        for user, row in users:
            password = passwords.get(user.username) or one_time_password(policy, user.username)
            password_hash = hashes.get(user.username) or hash_password(password)
            store_password_hash(db.session, user, password_hash, must_change=True)
            created.append(ImportedUser(user.username, row["name"], password))
        record_account_event(
            db.session,
            "user_import",
            actor_id=actor_id,
            detail={"count": len(created), "usernames": [c.username for c in created]},
        )
        return created

    created = unit_of_work(db.session).run(work, conflicts=())
    report("written", len(created), len(created))
    return created
