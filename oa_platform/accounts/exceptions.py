"""Errors of the account commands; each carries the message shown to the person acting, in
the language of the request that caused it (issue 18)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext


class AccountError(Exception):
    """Base class: ``str(error)`` is a complete message for the user interface."""


class PasswordRejectedError(AccountError):
    """A new password breaks one or more rules; ``problems`` lists one message per rule."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


class CurrentPasswordInvalidError(AccountError):
    def __init__(self) -> None:
        super().__init__(gettext("The current password is not correct."))


class ResetNotAllowedError(AccountError):
    """Only the department head, or an administrator the head designated, may reset (§4.1)."""

    def __init__(self, username: str) -> None:
        super().__init__(
            gettext(
                "Only the head of %(username)s's department, or an administrator the head "
                "designated, may reset this password.",
                username=username,
            )
        )


class DeactivationError(AccountError):
    """The deactivation request is inconsistent (e.g. the successor is inactive)."""


class MoveConfirmationError(AccountError):
    """A department move cannot be confirmed (not Admin, or nothing to confirm)."""


class RoleChangeRefusedError(AccountError):
    """The person acting may not make this change of roles (``authority``; issue 17)."""


@dataclass(frozen=True)
class ImportProblem:
    """One bad line of an import file: ``line`` counts from 1 and includes the header.

    In an Excel workbook (issue 19, deliver 9) ``line`` is the sheet's row number, ``sheet``
    the sheet's name and ``column`` the column's letter (empty for the row as a whole), so the
    message leads HR to the very cell."""

    line: int
    reason: str
    sheet: str | None = None
    column: str = ""

    def __str__(self) -> str:
        if self.sheet is not None:
            if not self.line:
                return gettext(
                    'sheet "%(sheet)s": %(reason)s', sheet=self.sheet, reason=self.reason
                )
            if self.column:
                return gettext(
                    'sheet "%(sheet)s", row %(row)s, column %(column)s: %(reason)s',
                    sheet=self.sheet,
                    row=self.line,
                    column=self.column,
                    reason=self.reason,
                )
            return gettext(
                'sheet "%(sheet)s", row %(row)s: %(reason)s',
                sheet=self.sheet,
                row=self.line,
                reason=self.reason,
            )
        if not self.line:
            return self.reason
        return gettext("line %(line)s: %(reason)s", line=self.line, reason=self.reason)


class UserImportError(AccountError):
    """The import file has problems; nothing was imported."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__(
            gettext("Nothing was imported: %(count)s problem(s).", count=len(problems))
            + " "
            + "; ".join(str(p) for p in problems[:20])
        )
