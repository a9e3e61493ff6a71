"""The instance migration for REST clients (a JWT is enough): the proposal, the preview
(a dry run), the run (which carries the preview's digest, as the page's does) and the way
back. Administrators only, as the page; the same commands decide."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext
from marshmallow import Schema, fields
from sqlalchemy import select

from form_builder.models import DefinitionVersion, ProcessDefinition, VersionStatus
from oa_platform.extensions import db
from oa_platform.migration.commands import (
    Migration,
    MigrationRefusedError,
    Report,
    migrate_back,
)
from oa_platform.migration.mapping import MappingError, checked, propose
from oa_platform.migration.views import digest
from oa_platform.org.directory import OrgDirectory
from oa_platform.outages import UnavailableApi
from oa_platform.runtime.api import ProcessApi
from oa_platform.runtime.models import Instance
from plugins.registry import node_types


class MigrationMapping(Schema):
    """A migration's target and mapping; what is not named keeps the proposal."""

    to = fields.Integer(metadata={"description": "the version to move to (default: latest)"})
    nodes = fields.Dict(
        keys=fields.String(),
        values=fields.String(allow_none=True),
        metadata={"description": "old node id -> new node id ('' or null: none)"},
    )
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.String(allow_none=True),
        metadata={"description": "old field key -> new key ('' or null: its data is lost)"},
    )
    previewed = fields.String(metadata={"description": "the preview's digest (run only)"})


def _plans(report: Report) -> dict[str, Any]:
    return {
        "counts": report.counts(),
        "plans": [
            {
                "instance": plan.instance_id,
                "ok": plan.ok,
                "now": plan.now,
                "after": plan.after,
                "lost": plan.lost_data(),
                "defaults": plan.defaults,
                "refused": plan.refused,
            }
            for plan in report.plans
        ],
    }


class InstanceMigrationApi(UnavailableApi, BaseApi):
    """Moving running instances of an older published version to a newer one."""

    resource_name = "instance-migration"
    openapi_spec_tag = "Instance migration"
    allow_browser_login = True
    check_csrf = ProcessApi.check_csrf  # a JWT client is not forgeable; a page sends the token
    openapi_spec_component_schemas = (MigrationMapping,)

    def _versions(self, key: str, number: int):
        found = {
            v.number: v
            for v in db.session.scalars(
                select(DefinitionVersion)
                .join(DefinitionVersion.definition)
                .where(
                    ProcessDefinition.key == key,
                    DefinitionVersion.status == VersionStatus.PUBLISHED,
                )
            )
        }
        old = found.get(number)
        others = [n for n in found if n != number]
        if old is None or not others:
            return None, None
        wanted = request.args.get("to", type=int)
        if request.is_json:
            wanted = (request.get_json(silent=True) or {}).get("to", wanted)
        return old, found.get(wanted or max(others))

    def _migration(self, old, new) -> tuple[Migration, str]:
        body = request.get_json(silent=True) or {}
        proposal = propose(old.document, new.document)
        nodes, fields = body.get("nodes") or {}, body.get("fields") or {}
        if not isinstance(nodes, dict) or not isinstance(fields, dict):
            raise MappingError(gettext("nodes and fields: objects of old id to new id."))
        mapping = checked(
            old.document,
            new.document,
            {**proposal.nodes, **nodes},
            {**proposal.fields, **fields},
        )
        migration = Migration(
            db.session, OrgDirectory(db.session), node_types(), old, new, mapping, g.user.id
        )
        return migration, digest(old, new, mapping)

    @expose("/<key>/<int:number>", methods=["GET"])
    @protect()
    @safe
    @permission_name("migrate")
    def proposal(self, key: str, number: int):
        """The proposed mapping of a published version's nodes and fields onto another's.
        ---
        get:
          summary: Propose a migration mapping
          parameters:
          - {in: path, name: key, required: true, schema: {type: string}}
          - {in: path, name: number, required: true, schema: {type: integer}}
          - {in: query, name: to, schema: {type: integer}, description: default the latest}
          responses:
            200:
              description: The mapping (old id -> new id or null) and how each was found
            404:
              description: No such published version, or no other to move to
        """
        old, new = self._versions(key, number)
        if new is None:
            return self.response_404()
        mapping = propose(old.document, new.document)
        return self.response(
            200,
            result={
                "from_version": old.number,
                "to_version": new.number,
                **mapping.as_json(),
                "found_by": mapping.found_by,
            },
        )

    @expose("/<key>/<int:number>/preview", methods=["POST"])
    @protect()
    @safe
    @permission_name("migrate")
    def preview(self, key: str, number: int):
        """Preview (a dry run) the migration of a version's running instances.
        ---
        post:
          summary: Preview an instance migration
          parameters:
          - {in: path, name: key, required: true, schema: {type: string}}
          - {in: path, name: number, required: true, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema: {$ref: '#/components/schemas/MigrationMapping'}
          responses:
            200:
              description: Counts, every instance's plan, and the digest a run carries
            400:
              description: A mapping naming what the versions lack
            404:
              description: No such published version, or no other to move to
        """
        return self._step(key, number, run=False)

    @expose("/<key>/<int:number>/run", methods=["POST"])
    @protect()
    @safe
    @permission_name("migrate")
    def run(self, key: str, number: int):
        """Run the migration of a version's running instances, as previewed.
        ---
        post:
          summary: Run an instance migration
          parameters:
          - {in: path, name: key, required: true, schema: {type: string}}
          - {in: path, name: number, required: true, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema: {$ref: '#/components/schemas/MigrationMapping'}
          responses:
            200:
              description: Counts and every instance's plan (refused ones left as they were)
            400:
              description: A mapping naming what the versions lack, or a run not previewed
            404:
              description: No such published version, or no other to move to
        """
        return self._step(key, number, run=True)

    def _step(self, key: str, number: int, run: bool):
        old, new = self._versions(key, number)
        if new is None:
            return self.response_404()
        try:
            migration, previewed = self._migration(old, new)
            if not run:
                return self.response(
                    200, result={**_plans(migration.preview()), "previewed": previewed}
                )
            if (request.get_json(silent=True) or {}).get("previewed") != previewed:
                raise MigrationRefusedError(
                    gettext("Preview this mapping (a dry run) before running it.")
                )
            return self.response(200, result=_plans(migration.run()))
        except (MappingError, MigrationRefusedError) as error:
            return self.response_400(message=error.message)

    @expose("/back/<int:instance_id>", methods=["POST"])
    @protect()
    @safe
    @permission_name("migrate")
    def back(self, instance_id: int):
        """Take a migrated instance back, while nothing has happened on it since.
        ---
        post:
          summary: Migrate an instance back
          parameters:
          - {in: path, name: instance_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: Back on the version it came from
            404:
              description: No such instance
            409:
              description: Something has happened on it since, or it was not migrated
        """
        if db.session.get(Instance, instance_id) is None:
            return self.response_404()
        try:
            instance = migrate_back(db.session, g.user.id, instance_id)
        except MigrationRefusedError as error:
            return self.response(409, message=error.message)
        return self.response(
            200, result={"instance": instance.id, "version": instance.definition_version.number}
        )
