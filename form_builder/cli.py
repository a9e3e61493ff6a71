"""``flask oa definitions import|export|list``: definitions as JSON files on the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from form_builder import services
from form_builder.exceptions import LifecycleError
from form_builder.models import DefinitionVersion
from form_builder.transfer import ImportRefusedError, export_version, import_files


@click.group("definitions")
def definitions_cli() -> None:
    """Process definitions (forms and their node chains)."""


@definitions_cli.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@with_appcontext
def import_command(files: tuple[Path, ...]) -> None:
    """Import definition JSON files as drafts: all of them, or none if any is invalid."""
    uploads = [(str(path), path.read_bytes()) for path in files]
    try:
        imported = services.run(lambda: import_files(services.lifecycle(), None, uploads))
    except ImportRefusedError as error:
        for name, problems in error.problems.items():
            for problem in problems:
                click.echo(f"{name}: {problem}", err=True)
        raise click.ClickException("Nothing was imported.") from None
    for item in imported:
        version = item.version
        click.echo(f"{item.file}: {version.definition.key} version {version.number} (draft)")
        for problem in item.warnings:
            click.echo(f"  must be fixed before submission: {problem}")


@definitions_cli.command("export")
@click.argument("key")
@click.option("--version", "number", type=int, help="Version number (default: latest).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_command(key: str, number: int | None, output: Path | None) -> None:
    """Write a version's JSON document to a file or standard output."""
    try:
        definition = services.lifecycle().definition(key)
    except LifecycleError as error:
        raise click.ClickException(error.message) from None
    versions: list[DefinitionVersion] = definition.versions
    chosen = [v for v in versions if number is None or v.number == number]
    if not chosen:
        raise click.ClickException(f"'{key}' has no version {number}")
    text = export_version(chosen[-1])
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}")


@definitions_cli.command("list")
@with_appcontext
def list_command() -> None:
    """Every definition with its versions and their states."""
    from sqlalchemy import select

    from form_builder.models import ProcessDefinition

    session = services.session()
    for definition in session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key)):
        versions = ", ".join(f"v{v.number} {v.status}" for v in definition.versions)
        withdrawn = " (withdrawn)" if definition.withdrawn_at else ""
        click.echo(f"{definition.key}{withdrawn}: {versions}")
