"""Seed 2 §4.2, uniform numbering under concurrency: documents numbered at the same moment get
distinct consecutive numbers, none skipped; a void number is listed and never given again."""

from __future__ import annotations

import threading

from oa_platform.documents import numbering
from oa_platform.extensions import db
from oa_platform.unit_of_work import unit_of_work

BOTH_DATABASES = True
AT_ONCE = 20


def take_at_once(app, count: int) -> list[str]:
    """``count`` threads (each a request of its own) take a number the same moment."""
    start = threading.Barrier(count)
    taken: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                start.wait()
                number = unit_of_work(db.session).run(
                    lambda: (
                        numbering.take(
                            db.session,
                            unit="GRP/OFFICE",
                            kind="document",
                            abbreviation="集团办",
                            year=2026,
                        ).number
                    )
                )
                taken.append(number)
                db.session.remove()
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return taken


def test_twenty_documents_numbered_at_once_get_twenty_consecutive_numbers(app):
    taken = take_at_once(app, AT_ONCE)
    assert sorted(taken) == sorted(f"集团办〔2026〕{seq}号" for seq in range(1, AT_ONCE + 1))

    with app.app_context():
        unit_of_work(db.session).run(
            lambda: numbering.void(db.session, "集团办〔2026〕7号", "withdrawn: wrong recipients")
        )
    # After the void the next numbers carry on from the counter; the void one is listed.
    again = take_at_once(app, 3)
    assert sorted(again) == [f"集团办〔2026〕{seq}号" for seq in (21, 22, 23)]
    with app.app_context():
        void = numbering.voided(db.session, unit="GRP/OFFICE", kind="document", year=2026)
        assert [(n.seq, n.void_reason) for n in void] == [(7, "withdrawn: wrong recipients")]
