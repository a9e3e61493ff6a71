"""``flask oa org ...``: the organisation from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from oa_platform.org.models import CompanyKind


@click.group("org")
def org_cli() -> None:
    """Companies of the group."""


@org_cli.command("add-company")
@click.argument("code")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in CompanyKind]),
    required=True,
    help="What the company is (seed 2 §2.1).",
)
@click.option("--parent", "parent_code", help="The code of the company it sits under.")
@with_appcontext
def add_company_command(code: str, name: str, kind: str, parent_code: str | None) -> None:
    """Add company CODE called NAME (the same rules as Organisation → Companies)."""
    from oa_platform.extensions import db
    from oa_platform.org.companies import CompanyRefusedError, add_company

    try:
        company = add_company(db.session, code=code, name=name, kind=kind, parent_code=parent_code)
    except CompanyRefusedError as error:
        raise click.ClickException(str(error)) from None
    where = f" under {company.parent.code}" if company.parent else ""
    click.echo(f"Added {company.code} ({company.name}), a {company.kind.value} company{where}.")
