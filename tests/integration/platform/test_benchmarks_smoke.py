"""Issue 8, deliverable 4: every benchmark runs at a tiny size, so ``make bench`` keeps working.

The run is ``python -m benchmarks --size tiny`` in a child process (it starts gunicorn and the
SpiffWorkflow peer as ``make bench`` does), with the Python HTTP client so CI needs no
``wrk``, and on PostgreSQL as well when ``OA_TEST_POSTGRES_URL`` is set. Only that each
figure is printed and describes real work is checked: speed is measured, never asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PER_DATABASE = {
    ("inspection", "bulk_generate"),
    ("inspection", "draw_sample"),
    ("inspection", "open_inspection"),
    ("engine", "expense_chain"),
    ("engine", "database_floor"),
    ("engine", "ratio_ours_to_spiffworkflow"),
    ("dataset", "bulk_generate"),
    ("inbox", "todo_first_page"),
    ("inbox", "badge_counts"),
    ("timers", "claim_and_fire"),
    ("http", "minimal_endpoint"),
    ("http", "signed_in_nothing"),
    ("http", "layout_only"),
    ("http", "inbox_page"),
    ("http", "inbox_api"),
    ("http", "task_action"),
    ("http", "task_action_page"),
    ("http", "signed_in_nothing_share_of_minimal"),
    ("http", "layout_only_share_of_minimal"),
    ("http", "inbox_share_of_minimal"),
    ("documents", "sign_off_number_and_distribute"),
    ("documents", "receipt_board_first_page"),
    ("documents", "library_search"),
    ("usage", "bulk_generate"),
    ("usage", "usage_figures"),
    ("usage", "usage_rollup"),
    ("usage", "usage_page"),
    ("library", "library_file_search"),
    ("notices", "dashboard_notice_list"),
    ("discussion", "bulk_load"),
    ("discussion", "unanswered_first_page"),
    ("discussion", "unanswered_page_11"),
    ("discussion", "unanswered_counts_all_departments"),
    ("migration", "dry_run"),
    ("migration", "migrate"),
    ("orgchange", "impact_analysis"),
    ("backup", "backup"),
    ("backup", "restore_and_check"),
    ("search", "bulk_index"),
    ("search", "inbox_content_search"),
    ("bulk_approval", "bulk_approve"),
    ("people_picker", "bulk_generate"),
    ("people_picker", "people_search"),
    ("people_picker", "department_page"),
    ("people_picker", "start_form"),
    ("people_picker", "task_page"),
}
# The viewflow peer's, where its virtual environment could be built (else a note on stderr).
VIEWFLOW = {("engine", "viewflow"), ("engine", "ratio_ours_to_viewflow")}
ONCE = {
    ("engine", "spiffworkflow"),
    ("forms", "compile_cold"),
    ("forms", "render_warm"),
    ("forms", "validate_warm"),
}


def run_tiny() -> list[dict]:
    env = {key: value for key, value in os.environ.items() if key != "OA_BENCH_POSTGRES_URL"}
    if os.environ.get("OA_TEST_POSTGRES_URL"):
        env["OA_BENCH_POSTGRES_URL"] = os.environ["OA_TEST_POSTGRES_URL"]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--size", "tiny", "--http-client", "python"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_issue8_every_benchmark_prints_its_figures_at_tiny_size():
    figures = run_tiny()
    databases = ["sqlite"] + (["postgresql"] if os.environ.get("OA_TEST_POSTGRES_URL") else [])
    printed = {(f["benchmark"], f["figure"], f.get("database")) for f in figures}
    expected = {(b, f, d) for b, f in PER_DATABASE for d in databases}
    expected |= {(b, f, None) for b, f in ONCE}
    peer = {(b, f, d) for b, f in VIEWFLOW for d in databases}
    assert printed - peer == expected
    assert printed & peer in (set(), peer)  # on every database, or skipped on all

    by_name = {(f["benchmark"], f["figure"], f.get("database")): f for f in figures}
    if printed & peer:
        for database in databases:
            assert by_name[("engine", "viewflow", database)]["steps"] == 14  # the same chain
    for database in databases:
        chain = by_name[("engine", "expense_chain", database)]
        # Four claims: start plus manager and Finance, plus the director for the two over 5,000.
        assert (chain["instances"], chain["steps"]) == (4, 14)
        assert chain["statements_per_step"] > 0
        assert chain["step"]["p95_ms"] >= chain["step"]["p50_ms"] > 0  # each command timed
        # The floor runs as many steps as the chain did, three statements each.
        assert by_name[("engine", "database_floor", database)]["steps"] == 14
        # oa backup and oa restore on the generated data: every row back, chains sound.
        backed_up = by_name[("backup", "backup", database)]
        restored = by_name[("backup", "restore_and_check", database)]
        assert restored["rows"] == backed_up["rows"] > 0 and restored["audit_problems"] == 0
        # Issue 19: every word searched in every tab; the common words are in more forms
        # than the rare ones, the absent ones in none; each to-do of the batch agreed.
        searches = [
            f
            for f in figures
            if (f["benchmark"], f["figure"], f.get("database"))
            == ("search", "inbox_content_search", database)
        ]
        assert len(searches) == 3 * 6
        share = {(f["word"], f["share"]): f["instances_with_word"] for f in searches}
        assert share[("出差", "common")] > share[("展会", "rare")] > share[("火箭", "absent")] == 0
        assert share[("customer", "common")] > share[("zeppelin", "absent")] == 0
        bulk = by_name[("bulk_approval", "bulk_approve", database)]
        assert bulk["agreed"] == bulk["to_dos"] == 10 and bulk["seconds"] > 0
        # Issue 19: the people picker finds namesakes by initials, nobody for a non-name.
        picked = {
            f["query"]: f["first_page"]
            for f in figures
            if (f["benchmark"], f["figure"], f.get("database"))
            == ("people_picker", "people_search", database)
        }
        assert picked["zw"] > 0 and picked["qqqq"] == 0
        timers = by_name[("timers", "claim_and_fire", database)]
        assert timers["due"] == 40 and timers["batches"] == 2  # 40 due, claimed 20 at a time
        # Every load answered 200 (a signed-out floor would answer 401 and be counted bad).
        for figure in (
            "minimal_endpoint",
            "signed_in_nothing",
            "layout_only",
            "inbox_page",
            "inbox_api",
            "task_action",
            "task_action_page",
        ):
            load = by_name[("http", figure, database)]
            assert load["requests"] > 0 and load["bad_status"] == 0, load
    assert by_name[("engine", "spiffworkflow", None)]["steps"] == 14
