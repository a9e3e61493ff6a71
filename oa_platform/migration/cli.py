"""``flask oa migrate-instances KEY VERSION``: the migration from the command line, a dry
run unless ``--run`` is given (run it first, read it, then run it for real)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from oa_platform.extensions import db


def _pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    found = {}
    for value in values:
        old, sep, new = value.partition("=")
        if not sep or not old:
            raise click.BadParameter(f"{value!r}: write OLD=NEW (NEW empty: none)", param_hint=what)
        found[old] = new
    return found


@click.command("migrate-instances")
@click.argument("key")
@click.argument("version", type=int)
@click.option("--to", "to_number", type=int, help="The version to move to (default: latest).")
@click.option("--node", "nodes", multiple=True, help="OLD=NEW: map a node (NEW empty: none).")
@click.option("--field", "fields", multiple=True, help="OLD=NEW: map a field (NEW empty: lost).")
@click.option("--run", "really", is_flag=True, help="Migrate (without it: a dry run).")
@click.option("--batch", type=int, default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON line per instance.")
@with_appcontext
def migrate_instances_command(
    key: str,
    version: int,
    to_number: int | None,
    nodes: tuple[str, ...],
    fields: tuple[str, ...],
    really: bool,
    batch: int,
    as_json: bool,
) -> None:
    """Move the running instances of KEY's VERSION to a newer published version."""
    from form_builder.models import DefinitionVersion, ProcessDefinition, VersionStatus
    from oa_platform.migration.commands import Migration, MigrationRefusedError
    from oa_platform.migration.mapping import MappingError, checked, propose
    from oa_platform.org.directory import OrgDirectory
    from plugins.registry import node_types

    versions = {
        v.number: v
        for v in db.session.scalars(
            select(DefinitionVersion)
            .join(DefinitionVersion.definition)
            .where(
                ProcessDefinition.key == key, DefinitionVersion.status == VersionStatus.PUBLISHED
            )
        )
    }
    if version not in versions:
        raise click.ClickException(f"{key} has no published version {version}.")
    old = versions[version]
    new = versions.get(to_number or max(versions))
    if new is None:
        raise click.ClickException(f"{key} has no published version {to_number}.")
    proposal = propose(old.document, new.document)
    try:
        mapping = checked(
            old.document,
            new.document,
            {**proposal.nodes, **_pairs(nodes, "--node")},
            {**proposal.fields, **_pairs(fields, "--field")},
        )
        migration = Migration(
            db.session, OrgDirectory(db.session), node_types(), old, new, mapping, None
        )
        click.echo(f"Mapping v{old.number} -> v{new.number}: {json.dumps(mapping.as_json())}")
        if really:
            report = migration.run(
                batch, progress=lambda done, total: click.echo(f"{done}/{total}", err=True)
            )
        else:
            report = migration.preview()
    except (MappingError, MigrationRefusedError) as error:
        raise click.ClickException(error.message) from None
    for plan in report.plans:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "instance": plan.instance_id,
                        "ok": plan.ok,
                        "now": plan.now,
                        "after": plan.after,
                        "lost": plan.lost_data(),
                        "defaults": plan.defaults,
                        "refused": plan.refused,
                    },
                    ensure_ascii=False,
                    default=str,
                )
            )
        elif not plan.ok:
            click.echo(f"REFUSED #{plan.instance_id}: {' '.join(plan.refused)}")
    counts = report.counts()
    done = "migrated" if really else "would migrate (dry run)"
    click.echo(
        f"{counts['instances']} instances: {done} {counts['migratable']}, "
        f"refused {counts['refused']}, losing data {counts['losing_data']}, "
        f"taking defaults {counts['taking_defaults']}."
    )


@click.command("migrate-instances-back")
@click.argument("instance_ids", type=int, nargs=-1, required=True)
@with_appcontext
def migrate_instances_back_command(instance_ids: tuple[int, ...]) -> None:
    """Take migrated instances back to the version they came from, each while nothing has
    happened on it since its migration."""
    from oa_platform.migration.commands import MigrationRefusedError, migrate_back

    refused = 0
    for instance_id in instance_ids:
        try:
            instance = migrate_back(db.session, None, instance_id)
        except MigrationRefusedError as error:
            refused += 1
            click.echo(f"REFUSED #{instance_id}: {error.message}", err=True)
        else:
            click.echo(f"#{instance_id} is back on version {instance.definition_version.number}.")
    if refused:
        raise click.ClickException(f"{refused} instance(s) could not go back.")
