"""A production installation cannot be given the demo's accounts, and what the platform
stores on disk is readable by its own system user only (issue 17, defect 14; regulations
§7.2: the server's database and files are managed securely; §6.2: passwords are secret,
and the demo's is published in the README).
"""

from __future__ import annotations

import stat
from pathlib import Path

from form_builder.attachments import AttachmentStore, Upload
from oa_platform.extensions import db
from tests.conftest import build_app


def _demo(app, *args: str):
    return app.test_cli_runner().invoke(args=["oa", "demo", *args])


def _users(app) -> set[str]:
    from oa_platform.accounts.models import OAUser

    with app.app_context():
        return set(db.session.scalars(db.select(OAUser.username)))


def test_the_demo_is_never_loaded_with_oa_env_production_not_even_forced(app_factory):
    app = app_factory(OA_ENV="production")
    for args in ((), ("--force",)):
        result = _demo(app, *args)
        assert result.exit_code != 0
        assert "OA_ENV is production" in result.output
    assert _users(app) == set()


def test_the_demo_refuses_a_database_with_users_of_its_own_unless_forced(app_factory):
    app = app_factory()
    with app.app_context():
        sm = app.appbuilder.sm
        sm.add_user("it-admin", "It", "Admin", "it@example.com", sm.find_role("Admin"), "x" * 16)
    refused = _demo(app)
    assert refused.exit_code != 0
    assert "1 user(s) of its own (it-admin)" in refused.output
    assert _users(app) == {"it-admin"}
    forced = _demo(app, "--force")
    assert forced.exit_code == 0, forced.output
    assert {"it-admin", "staff", "admin"} <= _users(app)


def test_the_demo_loads_into_an_empty_database_and_again_into_its_own(app_factory):
    app = app_factory()
    assert _demo(app).exit_code == 0
    again = _demo(app)  # idempotent: only the demo's users are there
    assert again.exit_code == 0, again.output


def _private(path: Path, mode: int) -> bool:
    return (
        stat.S_IMODE(path.stat().st_mode) & 0o077 == 0 and stat.S_IMODE(path.stat().st_mode) == mode
    )


def test_a_new_sqlite_database_is_created_readable_by_its_owner_only(tmp_path):
    database = tmp_path / "instance" / "oa.sqlite"
    app = build_app(f"sqlite:///{database}")
    with app.app_context():
        db.session.execute(db.text("SELECT 1"))
        db.engine.dispose()
    assert _private(database, 0o600)
    assert _private(database.parent, 0o700)


def test_attachment_folders_and_files_are_created_readable_by_their_owner_only(tmp_path):
    store = AttachmentStore(tmp_path / "attachments")
    row = store.save(Upload("a.txt", "txt", b"private"), uploaded_by_id=1)
    path = store.path_for(row.sha256)
    assert _private(path, 0o600)
    assert _private(path.parent, 0o700)
    assert _private(store.root, 0o700)
