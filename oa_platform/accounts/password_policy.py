"""The password rules of regulations §4.1 and §6.2, as pure checks with one message per rule.

Kept free of the database so the rules can be property-tested; password history (no reuse of
the last N) needs stored hashes and is checked by :mod:`oa_platform.accounts.commands`.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

from flask_babel import gettext

MAX_LENGTH = 128  # longer input only costs hashing time; no person types more
_EDGE_NOISE = string.digits + string.punctuation + " "


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of commonly used passwords, lower-cased."""
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def _step(a: str, b: str) -> int | None:
    """+1 / -1 when b follows / precedes a in the alphabet or the digits, 0 when equal."""
    if a == b:
        return 0
    same_class = (a.isdigit() and b.isdigit()) or (
        a.isascii() and b.isascii() and a.isalpha() and b.isalpha()
    )
    if not same_class:
        return None
    diff = ord(b.lower()) - ord(a.lower())
    return diff if diff in (1, -1) else None


def longest_simple_run(password: str) -> str:
    """The longest run of repeated (111111) or consecutive (123456, 654321, abcdef) characters."""
    best = password[:1]
    start = 0
    direction: int | None = None
    for i in range(1, len(password)):
        step = _step(password[i - 1], password[i])
        if step is None or (direction is not None and step != direction):
            # A run restarts at the previous character when the direction changes (1232...).
            start = i - 1 if step is not None else i
            direction = step
        elif direction is None:
            direction = step
        if i + 1 - start > len(best):
            best = password[start : i + 1]
    return best


@dataclass(frozen=True)
class PasswordPolicy:
    """The configured rules. ``max_run`` is the longest simple run still allowed."""

    min_length: int = 12
    max_run: int = 3
    max_age_days: int = 90

    @classmethod
    def from_config(cls, config) -> PasswordPolicy:
        return cls(
            min_length=int(config["OA_PASSWORD_MIN_LENGTH"]),
            max_age_days=int(config["OA_PASSWORD_MAX_AGE_DAYS"]),
        )

    def problems(self, password: str, username: str = "") -> list[str]:
        """Every rule the password breaks, each as a message for the person choosing it."""
        found: list[str] = []
        if len(password) < self.min_length:
            found.append(
                gettext(
                    "Use at least %(least)s characters (this one has %(length)s).",
                    least=self.min_length,
                    length=len(password),
                )
            )
        if len(password) > MAX_LENGTH:
            found.append(gettext("Use at most %(most)s characters.", most=MAX_LENGTH))
        run = longest_simple_run(password)
        if len(run) > self.max_run:
            found.append(
                gettext(
                    'Do not use runs of consecutive or repeated characters such as "%(run)s" '
                    "(like 123456, 654321, 111111 or abcdef).",
                    run=run,
                )
            )
        lowered = password.lower()
        if lowered in common_passwords() or lowered.strip(_EDGE_NOISE) in common_passwords():
            found.append(
                gettext("This password is on the list of commonly used passwords; choose another.")
            )
        if username and len(username) >= 3 and username.lower() in lowered:
            found.append(gettext("The password must not contain your user name."))
        return found

    def expires_at(self, changed_at: datetime | None) -> datetime | None:
        """When a password set at ``changed_at`` must be changed; None when expiry is off."""
        if self.max_age_days <= 0 or changed_at is None:
            return None
        return changed_at + timedelta(days=self.max_age_days)

    def is_expired(self, changed_at: datetime | None, now: datetime) -> bool:
        expiry = self.expires_at(changed_at)
        return expiry is not None and now >= expiry
