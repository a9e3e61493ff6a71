"""``flask oa search reindex``: build the form contents' word index again (runtime/search.py)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("search")
def search_cli() -> None:
    """The word index behind the inbox's search."""


@search_cli.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Index every instance's title, form and opinions again (after upgrading, or to repair)."""
    from oa_platform.extensions import db
    from oa_platform.runtime.search import reindex_all

    click.echo(f"Indexed {reindex_all(db.session)} instances.")
