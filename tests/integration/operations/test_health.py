"""Monitoring (seed 2 §6.1: servers online in working hours): /health while the web
process serves, /health/ready checking the database, broker, beat, timers and disks, with
no secret in the answer; administrators see the same on the Backups page."""

from __future__ import annotations

from oa_platform.operations import heartbeat
from tests.conftest import login


def test_health_answers_without_log_in_and_readiness_names_what_fails(client, tmp_path):
    app = client.application
    app.config.update(OA_BACKUP_DIR=str(tmp_path / "backups"))
    assert client.get("/health").get_json() == {"status": "ok"}

    with app.app_context():
        heartbeat.beat(app)
    ready = client.get("/health/ready")
    body = ready.get_json()
    assert ready.status_code == 200, body
    assert [c["name"] for c in body["checks"]] == ["database", "broker", "beat", "timers", "disk"]
    text = ready.get_data(as_text=True)
    for secret in (app.config["SECRET_KEY"], app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path)):
        assert secret not in text

    app.config["OA_HEALTH_MIN_FREE_MB"] = 10**12  # no disk is that large
    (tmp_path / "stale").mkdir()
    app.instance_path = str(tmp_path / "stale")  # no beat tick here
    failing = client.get("/health/ready")
    assert failing.status_code == 503
    checks = {c["name"]: c["ok"] for c in failing.get_json()["checks"]}
    assert checks == {
        "database": True,
        "broker": True,
        "beat": False,
        "timers": True,
        "disk": False,
    }

    login(client, "admin")
    page = client.get("/admin/backups/").get_data(as_text=True)
    assert "Scheduler (beat)" in page and "no tick recorded yet" in page


def test_the_dashboard_shows_backups_and_health_to_administrators_only(client, tmp_path):
    client.application.config.update(OA_BACKUP_DIR=str(tmp_path / "backups"))
    login(client, "admin")
    admin_page = client.get("/").get_data(as_text=True)
    staff = client.application.test_client()
    login(staff, "staff")
    staff_page = staff.get("/").get_data(as_text=True)

    assert 'id="dashboard-operations"' in admin_page
    assert "No good backup yet." in admin_page and "Scheduler (beat)" in admin_page
    assert 'id="dashboard-operations"' not in staff_page
