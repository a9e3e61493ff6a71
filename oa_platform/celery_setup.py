"""Binds the Celery app to a Flask app: settings from Flask config, tasks in app context."""

from __future__ import annotations

from celery import Task
from celery.schedules import crontab
from flask import Flask, has_app_context

from oa_platform.extensions import celery
from oa_platform.operations import schedule as operations_schedule


def init_celery(app: Flask) -> None:
    class FlaskTask(Task):
        # Tasks get ids, never ORM objects, and open their own app context.
        def __call__(self, *args, **kwargs):
            if has_app_context():  # run eagerly, inside the caller's app (tests)
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

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
