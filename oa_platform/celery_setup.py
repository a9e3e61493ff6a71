"""Binds the Celery app to a Flask app: settings from Flask config, tasks in app context, and
a task that met the database away run again later (issue 25, oa_platform/outages.py)."""

from __future__ import annotations

import logging

from celery import Task
from celery.schedules import crontab
from flask import Flask, has_app_context

from oa_platform.extensions import celery
from oa_platform.operations import schedule as operations_schedule
from oa_platform.outages import database_unavailable

log = logging.getLogger(__name__)


# A task that met the database away (PostgreSQL restarting, failing over) runs again after
# 2, 4, 8 ... seconds, at most a minute apart, for about ten minutes: its transaction rolled
# back, so running it again is what finishes its work (each task is written to be run twice).
DATABASE_RETRIES = 14
DATABASE_RETRY_MAX_SECONDS = 60


def database_retry_countdown(retries: int) -> int:
    """Seconds before the ``retries``-th run again of a task that met the database away."""
    return min(2 ** (retries + 1), DATABASE_RETRY_MAX_SECONDS)


def init_celery(app: Flask) -> None:
    class FlaskTask(Task):
        # Tasks get ids, never ORM objects, and open their own app context.
        def __call__(self, *args, **kwargs):
            try:
                if has_app_context():  # run eagerly, inside the caller's app (tests)
                    return self.run(*args, **kwargs)
                with app.app_context():
                    return self.run(*args, **kwargs)
            except Exception as error:
                if not database_unavailable(error) or self.request.called_directly:
                    raise
                if self.request.is_eager:
                    raise  # a test's eager run: nothing to wait for
                retries = self.request.retries
                log.warning(
                    "%s: the database is away (%s), run again in %s s",
                    self.name,
                    type(error).__name__,
                    database_retry_countdown(retries),
                )
                raise self.retry(
                    exc=error,
                    countdown=database_retry_countdown(retries),
                    max_retries=DATABASE_RETRIES,
                ) from error

    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        result_backend=app.config.get("CELERY_RESULT_BACKEND"),
        task_ignore_result=True,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        timezone="UTC",
        beat_schedule_filename=app.config["CELERY_BEAT_SCHEDULE_FILE"],
        beat_schedule={
            # Durable timers: the table is the truth, beat only polls it (runtime/timers.py);
            # a process's deadlines and a discussion post's reminders alike.
            "fire-due-timers": {
                "task": "oa_platform.runtime.tasks.fire_due_timers",
                "schedule": float(app.config["OA_TIMER_INTERVAL_SECONDS"]),
            },
            # Signed checkpoints of the audit chains' heads (runtime/audit_checkpoints.py).
            "checkpoint-audit-trails": {
                "task": "oa_platform.runtime.tasks.checkpoint_audit_trails",
                "schedule": 60.0 * app.config["OA_AUDIT_CHECKPOINT_MINUTES"],
            },
            "sweep-orphan-attachments": {
                "task": "oa_platform.runtime.tasks.sweep_orphan_attachments",
                "schedule": 3600.0,
            },
            "start-due-delegations": {
                "task": "oa_platform.agents.tasks.start_due_delegations",
                "schedule": 3600.0,
            },
            # Each person's digest of notices at the hour they chose (notifications/tasks.py).
            "send-notification-digests": {
                "task": "oa_platform.notifications.tasks.send_digests",
                "schedule": crontab(minute=0),
            },
            # The usage view's daily rollup: hourly, so the closed day is rolled up within
            # the hour after the company's midnight whatever OA_TIMEZONE (usage/rollup.py).
            "roll-up-usage": {
                "task": "oa_platform.usage.tasks.roll_up_closed_days",
                "schedule": crontab(minute=20),
            },
            "purge-login-throttles": {
                "task": "oa_platform.accounts.tasks.purge_login_throttles",
                "schedule": 3600.0,
            },
            # Backups, the restore drill, the backup-age check, the heartbeat (issue 24).
            **operations_schedule.entries(app.config),
        },
        include=[
            "oa_platform.accounts.tasks",
            "oa_platform.agents.tasks",
            "oa_platform.notifications.tasks",
            "oa_platform.operations.tasks",
            "oa_platform.runtime.jobs",
            "oa_platform.runtime.tasks",
            "oa_platform.usage.tasks",
        ],
        # Tests run jobs in-process; deployments leave this off.
        task_always_eager=app.config.get("CELERY_TASK_ALWAYS_EAGER", False),
    )
    celery.Task = FlaskTask
    celery.set_default()
    app.extensions["celery"] = celery
