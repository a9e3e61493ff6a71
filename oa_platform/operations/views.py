"""The Backups page (Admin only; §7.2, seed 2 §6.2): the last good backup and its age, the
last attempt, each off-site target, the last restore drill, the archives kept, the health
checks, and a button that queues a backup now."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext

from form_builder.clock import utcnow
from form_builder.forms import ConfirmForm
from oa_platform.operations import backup, bundle, health, status


def _archives(app) -> list[dict]:
    found = []
    for path in backup.archives(backup.backup_folder(app)):
        sidecar = bundle.read_sidecar(path) or {}
        found.append(
            {
                "name": path.name,
                "at": backup.taken_at(path),
                "size": sidecar.get("size", path.stat().st_size),
                "sha256": sidecar.get("sha256", ""),
                "encrypted": path.name.endswith(".enc"),
            }
        )
    return found


class BackupsView(BaseView):
    """Backups and health for the administrators."""

    route_base = "/admin/backups"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        app = current_app._get_current_object()
        good_at = status.last_good_at(app)
        age_hours = None if good_at is None else (utcnow() - good_at).total_seconds() / 3600
        return self.render_template(
            "operations/backups.html",
            state=status.read(app),
            good_at=good_at,
            age_hours=age_hours,
            overdue=status.overdue(app),
            max_age=app.config["OA_BACKUP_MAX_AGE_HOURS"],
            archives=_archives(app),
            targets=app.config.get("OA_BACKUP_TARGETS") or [],
            checks=health.readiness(app),
            check_names=health.CHECK_NAMES,
            form=ConfirmForm(),
        )

    @expose("/run", methods=["POST"])
    @has_access
    @permission_name("backup")
    def run(self):
        """Queue a backup now (beat's task; a worker runs it)."""
        from oa_platform.operations.tasks import scheduled_backup

        if not ConfirmForm().validate_on_submit():
            abort(400)
        try:
            scheduled_backup.delay()
        except Exception:
            flash(gettext("The backup failed; see below."), "danger")
        else:
            flash(gettext("A backup was queued; this page shows it when it is done."), "info")
        return redirect(url_for("BackupsView.list"))
