"""Account tables: the platform's user (Flask-AppBuilder's ``ab_user`` extended), password
history, log-in throttling and the account audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from form_builder.clock import utcnow
from oa_platform.accounts.names import full_name
from oa_platform.org.models import Department, Position, shown_name


class OAUser(User):
    """A person with an OA account: FAB's user plus department, position and account state.

    Maps onto FAB's ``ab_user`` table (FAB's documented way to extend its user), so FAB's
    security views, JWT log-in and role checks keep working unchanged.
    """

    __tablename__ = "ab_user"

    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_department.id"), index=True, nullable=True
    )
    position_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_position.id"), index=True, nullable=True
    )
    # True for every new account: the initial password is known to someone else (§4.1).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True, nullable=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Raised by every new password, reset and deactivation: sessions and JWTs carry the value
    # they were made with and are refused once it differs (issue 17, defect 3).
    credentials_version: Mapped[int] = mapped_column(
        Integer, default=1, server_default="1", nullable=False
    )
    # The department whose heads may reset this account (§4.1), as Admin last confirmed it. A
    # move by HR changes ``department`` at once (routing follows it) but gives the new head no
    # reset right until Admin confirms the move (issue 17, defect 1).
    confirmed_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_department.id"), nullable=True
    )
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), nullable=True)
    # The language the person chose in the navbar (a key of LANGUAGES); empty: the browser's
    # Accept-Language, else OA_DEFAULT_LOCALE (oa_platform/i18n.py; issue 18).
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The name in Chinese characters beside the one in first_name/last_name (issue 18): a
    # Chinese reader sees it, the others the name as first/last name write it.
    name_zh: Mapped[str | None] = mapped_column(String(128), nullable=True)

    department: Mapped[Department | None] = relationship(Department, foreign_keys=[department_id])
    confirmed_department: Mapped[Department | None] = relationship(
        Department, foreign_keys=[confirmed_department_id]
    )
    position: Mapped[Position | None] = relationship(Position)
    successor: Mapped[OAUser | None] = relationship(
        "OAUser", remote_side="OAUser.id", foreign_keys=[successor_id]
    )

    @property
    def company(self):
        """The company of the user's department, if any."""
        return self.department.company if self.department else None

    @property
    def move_pending(self) -> bool:
        """True while a department move waits for Admin's confirmation (§4.1 resets)."""
        return self.department_id != self.confirmed_department_id

    def get_full_name(self) -> str:
        """The name as people write it: family name first for a Chinese name (张伟), one
        part alone when only one is kept (issue 19, defect 4); for a Chinese reader the name
        in Chinese characters (``name_zh``) where one is kept beside it (issue 18)."""
        return shown_name(full_name(self.first_name, self.last_name), self.name_zh)

    def signature(self) -> str:
        """How the user signs opinions and the trace: the display name, which HR keeps, and
        the unique user name beside it, so two people with one name stay apart (§4.1, §6.1)."""
        return f"{self.get_full_name()} ({self.username})"


# User names are case-insensitive (log-in, the directory, organisation changes, imports all
# compare lower(username)): without this index each such look-up reads every account, 60 ms
# at 100,000 on every form page (the viewer's department).
Index("ix_ab_user_username_lower", func.lower(OAUser.__table__.c.username))


class PasswordHistory(Model):
    """Hashes of a user's earlier passwords, so the last N cannot be reused (§6.2)."""

    __tablename__ = "account_password_history"
    __table_args__ = (Index("ix_password_history_user_time", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False
    )
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class LoginThrottle(Model):
    """Failed log-ins per user name, kept whether or not the name exists.

    Keyed by the typed name rather than the user row so an unknown name locks exactly like a
    real one: the lock-out itself reveals nothing about which accounts exist.
    """

    __tablename__ = "account_login_throttle"

    username: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)


class RevokedToken(Model):
    """Sessions and JWTs ended before their time (a log-out), by their id (``jti``).

    Kept until the credential would have expired anyway, then purged by beat: a revoked
    credential that has run out is refused for that reason already.
    """

    __tablename__ = "account_revoked_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=True
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)


class AccountEvent(Model):
    """Append-only account audit: who did what to which account, when, from where (§6.1)."""

    __tablename__ = "account_event"
    __table_args__ = (
        Index("ix_account_event_subject_time", "subject_id", "occurred_at"),
        Index("ix_account_event_kind_time", "kind", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True
    )
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True
    )
    # The name as typed or as it was: failed log-ins may name no account at all.
    subject_username: Mapped[str | None] = mapped_column(String(128), nullable=True)
    remote_addr: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)

    actor: Mapped[OAUser | None] = relationship(OAUser, foreign_keys=[actor_id])
    subject: Mapped[OAUser | None] = relationship(OAUser, foreign_keys=[subject_id])
