"""IT's page for migrating running instances (issue 23, item 4): the definitions with
instances on an older version, the proposed mapping to change, the preview (a dry run,
required before the run), the run, and the way back per instance.

Administrators only (``has_access``: the Admin role, IT, holds every permission; others get
403 as on the other administration pages). The run requires the digest of the preview it
follows, so nobody runs a mapping they have not previewed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext
from sqlalchemy import func, select

from form_builder import localized
from form_builder.forms import ConfirmForm
from form_builder.models import DefinitionVersion, ProcessDefinition, VersionStatus
from oa_platform.extensions import db
from oa_platform.migration.commands import (
    Migration,
    MigrationRefusedError,
    last_migration,
    migrate_back,
    returnable,
)
from oa_platform.migration.mapping import MappingError, NodeMapping, checked, propose
from oa_platform.migration.plan import CANDIDATE_STATUSES
from oa_platform.org.directory import OrgDirectory
from oa_platform.runtime.models import Instance
from plugins.registry import node_types

# Rows of a preview shown on the page (the refused ones are all shown); the counts cover all.
SHOWN = 300


def digest(old: DefinitionVersion, new: DefinitionVersion, mapping: NodeMapping) -> str:
    """What a run must carry of the preview it follows: the versions and the mapping."""
    text = json.dumps([old.id, new.id, mapping.as_json()], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class InstanceMigrationView(BaseView):
    """Move running instances of an older published version to a newer one."""

    route_base = "/admin/instance-migration"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        rows = db.session.execute(
            select(
                ProcessDefinition.key,
                DefinitionVersion.number,
                func.count(Instance.id),
            )
            .join(DefinitionVersion, DefinitionVersion.id == Instance.definition_version_id)
            .join(ProcessDefinition, ProcessDefinition.id == Instance.definition_id)
            .where(Instance.status.in_(CANDIDATE_STATUSES))
            .group_by(ProcessDefinition.key, DefinitionVersion.number)
            .order_by(ProcessDefinition.key, DefinitionVersion.number)
        ).all()
        definitions = {
            d.key: d
            for d in db.session.scalars(
                select(ProcessDefinition).where(ProcessDefinition.key.in_({r[0] for r in rows}))
            )
        }
        older = []
        for key, number, count in rows:
            latest = definitions[key].latest_published()
            if latest is not None and latest.number > number:
                older.append((definitions[key], number, count, latest.number))
        return self.render_template(
            "migration/list.html",
            older=older,
            returnable=returnable(db.session, SHOWN),
            form=ConfirmForm(),
            shown=SHOWN,
        )

    @expose("/<key>/<int:number>", methods=["GET", "POST"])
    @has_access
    @permission_name("migrate")
    def plan(self, key: str, number: int):
        old = self._version(key, number)
        published = [
            v
            for v in old.definition.versions
            if v.status is VersionStatus.PUBLISHED and v.id != old.id
        ]
        if not published:
            abort(404)
        form = ConfirmForm()
        wanted = request.values.get("to", type=int)
        new = next((v for v in published if v.number == wanted), published[-1])
        mapping = propose(old.document, new.document)
        preview = report = None
        if request.method == "POST":
            if not form.validate_on_submit():
                abort(400)
            try:
                mapping = checked(old.document, new.document, *self._chosen())
                migration = Migration(
                    db.session,
                    OrgDirectory(db.session),
                    node_types(),
                    old,
                    new,
                    mapping,
                    g.user.id,
                )
                if request.form.get("step") == "run":
                    if request.form.get("previewed") != digest(old, new, mapping):
                        raise MigrationRefusedError(
                            gettext("Preview this mapping (a dry run) before running it.")
                        )
                    report = migration.run()
                    flash(
                        gettext(
                            "%(migrated)s instances migrated to version %(new)s, %(refused)s "
                            "refused and left as they were.",
                            migrated=len(report.migrated),
                            refused=len(report.refused),
                            new=new.number,
                        ),
                        "success",
                    )
                else:
                    preview = migration.preview()
            except (MappingError, MigrationRefusedError) as error:
                flash(error.message, "danger")
        shown = preview or report
        return self.render_template(
            "migration/plan.html",
            old=old,
            new=new,
            published=published,
            mapping=mapping,
            old_nodes=old.document["nodes"],
            new_nodes=new.document["nodes"],
            old_fields=old.document["fields"],
            new_fields=new.document["fields"],
            name=localized.text,
            form=form,
            preview=preview,
            report=report,
            rows=_rows(shown) if shown else [],
            counts=shown.counts() if shown else None,
            previewed=digest(old, new, mapping) if preview else None,
            can_go_back=_can_go_back(report) if report else set(),
        )

    @expose("/back/<int:instance_id>", methods=["POST"])
    @has_access
    @permission_name("migrate")
    def back(self, instance_id: int):
        if not ConfirmForm().validate_on_submit():
            abort(400)
        if db.session.get(Instance, instance_id) is None:
            abort(404)
        try:
            instance = migrate_back(db.session, g.user.id, instance_id)
        except MigrationRefusedError as error:
            flash(error.message, "danger")
        else:
            flash(
                gettext(
                    "#%(number)s is back on version %(version)s.",
                    number=instance.id,
                    version=instance.definition_version.number,
                ),
                "success",
            )
        return redirect(request.referrer or url_for(".list"))

    def _version(self, key: str, number: int) -> DefinitionVersion:
        found = db.session.scalar(
            select(DefinitionVersion)
            .join(DefinitionVersion.definition)
            .where(ProcessDefinition.key == key, DefinitionVersion.number == number)
        )
        if found is None or found.status is not VersionStatus.PUBLISHED:
            abort(404)
        return found

    @staticmethod
    def _chosen() -> tuple[dict[str, Any], dict[str, Any]]:
        nodes = {
            name.removeprefix("node-"): value
            for name, value in request.form.items()
            if name.startswith("node-")
        }
        fields = {
            name.removeprefix("field-"): value
            for name, value in request.form.items()
            if name.startswith("field-")
        }
        return nodes, fields


def _rows(report) -> list:
    """The plans the page lists: every refused one, then the others up to ``SHOWN``."""
    refused = report.refused
    return refused + report.migrated[: max(0, SHOWN - len(refused))]


def _can_go_back(report) -> set[int]:
    ids = [plan.instance_id for plan in report.migrated[:SHOWN]]
    found = db.session.scalars(select(Instance).where(Instance.id.in_(ids))).all()
    return {i.id for i in found if last_migration(db.session, i) is not None}
