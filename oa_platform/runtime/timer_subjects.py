"""Which handler fires a due timer: the :class:`~plugins.timer_subject.TimerSubject`
registered under the kind of subject the timer names (``oa_platform.timer_subjects`` entry
points, :func:`plugins.registry.timer_subjects`).

The timer service (:mod:`oa_platform.runtime.timers`) calls :func:`load` once per chunk of due
timers and the function :func:`dispatcher` returns once per timer; adding timers for a new
kind of subject needs a subject class and its entry point, nothing in the service.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from oa_platform.runtime.models import Timer
from plugins.registry import timer_subjects
from plugins.timer_subject import TimerSubject


class UnknownTimerSubjectError(LookupError):
    """A timer names a subject kind no installed plugin serves (its plugin is gone or
    failed to load): the timer fails, is retried, and shows on the failed timers' page."""

    def __init__(self, kind: str):
        super().__init__(f"no timer subject {kind!r} is installed")
        self.kind = kind


def find(kind: str) -> TimerSubject | None:
    """The subject serving ``kind``'s timers, or None."""
    return timer_subjects().get(kind)


def subject(kind: str) -> TimerSubject:
    """The subject serving ``kind``'s timers; :class:`UnknownTimerSubjectError` if none."""
    found = find(kind)
    if found is None:
        raise UnknownTimerSubjectError(kind)
    return found


def dispatcher(session: Session) -> Callable[[Timer], None]:
    """A function that fires a timer with its subject's handler, each subject's handler made
    once (a round fires hundreds of timers of a few kinds)."""
    handlers: dict[str, Callable[[Timer], None]] = {}

    def handle(timer: Timer) -> None:
        handler = handlers.get(timer.subject_kind)
        if handler is None:
            handler = handlers[timer.subject_kind] = subject(timer.subject_kind).handler(session)
        handler(timer)

    return handle


def load(session: Session, timers: Sequence[Timer]) -> list[Any]:
    """Let each subject kind read its subjects for ``timers`` in a few statements; returns
    what they loaded (to keep referenced until the chunk commits). A kind nobody serves
    loads nothing: its timers fail when fired."""
    by_kind: dict[str, list[Timer]] = defaultdict(list)
    for timer in timers:
        by_kind[timer.subject_kind].append(timer)
    held: list[Any] = []
    for kind, some in by_kind.items():
        found = find(kind)
        if found is not None:
            held += found.load(session, some)
    return held


def titles(session: Session, timers: Sequence[Timer]) -> dict[int, tuple[str, str]]:
    """(subject label, subject title) by timer id, for the failed timers' page; a kind
    nobody serves shows its stored name and no title."""
    by_kind: dict[str, list[Timer]] = defaultdict(list)
    for timer in timers:
        by_kind[timer.subject_kind].append(timer)
    shown: dict[int, tuple[str, str]] = {}
    for kind, some in by_kind.items():
        found = find(kind)
        names = found.titles(session, sorted({t.subject_id for t in some})) if found else {}
        label = found.label if found else kind
        for timer in some:
            shown[timer.id] = (label, names.get(timer.subject_id, ""))
    return shown
