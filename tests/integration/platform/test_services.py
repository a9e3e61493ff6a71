"""Settings and the real services production uses (Redis for shared rate limits)."""

from __future__ import annotations

import os
import stat
import uuid

import pytest
from sqlalchemy import text

from config import instance_secret_key
from oa_platform.extensions import db
from tests.conftest import login


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = instance_secret_key(tmp_path)
    assert len(first) == 64
    assert instance_secret_key(tmp_path) == first
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(ctx):
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_default_broker_is_the_embedded_sqlite_transport(ctx):
    assert ctx.config["CELERY_BROKER_URL"].startswith("sqla+sqlite:///")
    assert ctx.extensions["celery"].conf.broker_url == ctx.config["CELERY_BROKER_URL"]


@pytest.mark.redis
def test_log_in_rate_limit_is_shared_by_every_web_process_through_redis(app_factory):
    url = os.environ.get("OA_TEST_REDIS_URL")
    if not url:
        pytest.skip("OA_TEST_REDIS_URL is not set: Redis tests skipped")
    # Two apps stand for two gunicorn workers; a fresh key prefix keeps runs apart.
    settings = {
        "AUTH_RATE_LIMITED": True,
        "AUTH_RATE_LIMIT": "3 per minute",
        "RATELIMIT_STORAGE_URI": url,
        "RATELIMIT_KEY_PREFIX": f"oa-test-{uuid.uuid4().hex}",
    }
    first, second = app_factory(**settings), app_factory(**settings)
    codes = []
    for app in (first, second, first, second):
        with app.app_context():
            codes.append(login(app.test_client(), "nobody", "wrong").status_code)
    assert codes == [302, 302, 302, 429]
