"""The timer-subject contract: what the timer service asks of each kind of thing it keeps
time for.

A durable timer (``process_timer``, :mod:`oa_platform.runtime.timers`) names its subject: a
kind (``subject_kind``) and an id (``subject_id``). A process instance's deadlines and
reminders name ``process`` and the instance; a discussion post's reminders name
``discussion_post`` and the post. The service claims, leases, fires once and retries every
timer alike, and hands a due one to the :class:`TimerSubject` registered under its kind, as
Camunda hands a job to the handler its type names. Register the class under the
``oa_platform.timer_subjects`` entry-point group, named as its ``name``::

    [project.entry-points."oa_platform.timer_subjects"]
    contract_renewal = "my_package.renewals:RenewalTimers"

Built-in subjects are registered exactly so, in this project's pyproject.toml. A timer whose
kind has no subject installed fails like a handler that raises: retried with back-off, then
shown to administrators as failed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from oa_platform.runtime.models import Timer


class TimerSubject(ABC):
    """What the timers of one subject kind mean.

    Every method runs inside the transaction that marks the timers done (or records the
    administrator's retry): it may change the subject and tell people, never commit. A
    handler that raises rolls its timer's effects back; the service retries it.
    """

    name: ClassVar[str]  # the ``subject_kind`` its timers carry; the entry point's name
    label: ClassVar[str]  # what administrators read beside a failed timer

    @abstractmethod
    def handler(self, session: Session) -> Callable[[Timer], None]:
        """The function that fires one due timer of this kind in ``session``: asked once per
        round of the timer service, then called for each of the kind's timers. It must
        look at the subject as it is now (a reminder for something already done does
        nothing): a timer closed a moment too late may still fire."""

    def load(self, session: Session, timers: Sequence[Timer]) -> list[Any]:
        """Read the subjects of a chunk of due timers in a few statements before any fires
        (so firing a hundred does not query a hundred times); returns what it loaded, which
        the service keeps referenced until the chunk commits."""
        return []

    def titles(self, session: Session, ids: Sequence[int]) -> dict[int, str]:
        """What each subject is called, by id, for the failed timers' page."""
        return {}

    def retried(self, session: Session, timer: Timer, actor_id: int) -> None:
        """Record in the subject's own trail that an administrator sent the failed ``timer``
        round again (``actor_id``). A subject without a trail records nothing."""
        return None
