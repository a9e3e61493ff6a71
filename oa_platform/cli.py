"""``flask oa ...`` (or the ``oa`` console script): set-up and administration commands."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from form_builder.cli import definitions_cli
from oa_platform.accounts.exceptions import AccountError, UserImportError
from oa_platform.extensions import db
from oa_platform.migration.cli import (
    migrate_instances_back_command,
    migrate_instances_command,
)
from oa_platform.operations.cli import archive_command, backup_command, restore_command


@click.group("oa")
def oa_cli() -> None:
    """OA platform administration."""


@oa_cli.command("init")
@with_appcontext
def init_command() -> None:
    """Create the built-in roles and synchronise view permissions (run after migrations)."""
    appbuilder = current_app.appbuilder
    appbuilder.sm.sync_roles()
    appbuilder.add_permissions(update_perms=True)
    click.echo("Roles and permissions are up to date.")


@oa_cli.command("demo")
@click.option(
    "--force",
    is_flag=True,
    help="Load the demo although the database has other users (never with OA_ENV=production).",
)
@with_appcontext
def demo_command(force: bool) -> None:
    """Load the demo organisation and users (idempotent) and print their log-ins.

    The demo users share one published password, so the command refuses a production
    installation (``OA_ENV=production``) outright, and a database that has users of its own
    unless ``--force`` is given (issue 17, defect 14)."""
    from oa_platform.demo import (
        DEMO_PASSWORD,
        load_demo_data,
        published_examples,
        real_usernames,
    )

    if current_app.config["OA_ENV"] == "production":
        raise click.ClickException(
            "OA_ENV is production: the demo's users share a published password, so the demo"
            " is never loaded there."
        )
    others = real_usernames()
    if others and not force:
        shown = ", ".join(others[:5]) + (" ..." if len(others) > 5 else "")
        raise click.ClickException(
            f"The database has {len(others)} user(s) of its own ({shown}): loading the demo"
            " would add accounts with a published password. Use --force to load it anyway."
        )
    users = load_demo_data()
    click.echo(f"Demo log-ins (password for all: {DEMO_PASSWORD}):")
    for user in users:
        note = "  (must change the password at first log-in)" if user.must_change_password else ""
        click.echo(f"  {user.username:<10} {user.role:<18}{note}")
    # Issue 19, deliver 10: the demo also publishes the example forms (reviewed by the
    # Management Center's demo user), so staff can start them at once; say so.
    examples = published_examples()
    if examples:
        click.echo(
            f"The demo also published {len(examples)} example form(s) (reviewed as the"
            " Management Center would); staff can start them now:"
        )
        for key, title in examples:
            click.echo(f"  {key:<28} {title}")


oa_cli.add_command(definitions_cli)
# Issue 24: backups, restores and the yearly archive (oa_platform/operations/).
oa_cli.add_command(backup_command)
oa_cli.add_command(restore_command)
oa_cli.add_command(archive_command)
# Issue 23: running instances moved to a newer version of their definition.
oa_cli.add_command(migrate_instances_command)
oa_cli.add_command(migrate_instances_back_command)


@oa_cli.group("audit")
def audit_cli() -> None:
    """The instances' audit trails."""


@audit_cli.command("verify")
@click.option("--instance", "instance_id", type=int, help="Check one instance only.")
@with_appcontext
def verify_audit_command(instance_id: int | None) -> None:
    """Check every hash chain against its instance's head and its signed checkpoints; name
    the first broken entry of each broken chain, and each truncated one."""
    from oa_platform.runtime.audit import verify
    from oa_platform.runtime.audit_checkpoints import newest_run

    breaks = verify(db.session, instance_id)
    newest = newest_run(db.session)
    db.session.rollback()  # it only read
    for problem in breaks:
        click.echo(f"BROKEN: {problem}", err=True)
    if breaks:
        raise click.ClickException(f"{len(breaks)} audit trail problem(s) found.")
    click.echo("Every audit chain verifies.")
    if newest is None:
        click.echo("No signed checkpoint yet (`oa audit checkpoint`, or beat's hourly run).")
    else:
        click.echo(
            f"Newest signed checkpoint: run {newest.run}, {newest.created_at:%Y-%m-%d %H:%M} UTC."
        )


@audit_cli.command("checkpoint")
@with_appcontext
def checkpoint_audit_command() -> None:
    """Sign the head of every chain that grew since its last checkpoint (beat does this
    every OA_AUDIT_CHECKPOINT_MINUTES); chains that do not follow on are named, not signed."""
    from oa_platform.runtime.audit_checkpoints import CheckpointClash, checkpoint, default_key

    try:
        run = checkpoint(db.session, default_key())
    except CheckpointClash as clash:
        raise click.ClickException(f"{clash}: nothing written, run it again.") from None
    for problem in run.refused:
        click.echo(f"NOT SIGNED: {problem}", err=True)
    click.echo(f"Checkpoint run {run.number} signed {run.signed} chain head(s).")
    if run.refused:
        raise click.ClickException(
            f"{len(run.refused)} chain(s) do not follow on from their checkpoint;"
            " see `oa audit verify`."
        )


@oa_cli.group("users")
def users_cli() -> None:
    """Manage user accounts."""


@users_cli.command("import")
@click.argument(
    "csv_file", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@with_appcontext
def import_users_command(csv_file: Path) -> None:
    """Import users from CSV or an Excel workbook (.xlsx), all or nothing, and print their
    one-time passwords; a bar shows the hashing, the slow part (issue 19, deliver 9)."""
    from oa_platform.accounts.user_import import import_users

    click.echo(f"Checking every row of {csv_file} ...")
    with contextlib.ExitStack() as stack:
        bar = None

        def progress(stage: str, done: int, total: int) -> None:
            nonlocal bar
            if stage == "checked":
                click.echo(f"Checked {total} row(s): no problems.")
                bar = stack.enter_context(
                    click.progressbar(
                        length=total,
                        label=f"Hashing {total} one-time password(s)",
                        show_pos=True,
                    )
                )
            elif stage == "hashed" and bar is not None:
                bar.update(1)
                if done == total:
                    stack.close()
                    click.echo(f"Hashed {total} one-time password(s).")
                    click.echo(f"Writing {total} user(s) in one transaction ...")

        try:
            created = import_users(csv_file.read_bytes(), progress=progress)
        except UserImportError as exc:
            stack.close()
            for problem in exc.problems:
                click.echo(f"{csv_file}:{problem}", err=True)
            raise click.ClickException("Nothing was imported.") from None
    for user in created:
        click.echo(f"{user.username}\t{user.initial_password}")
    click.echo(f"Imported {len(created)} user(s); each must change the password at first log-in.")


@users_cli.command("deactivate")
@click.argument("username")
@click.option("--successor", help="User name of the person who takes over open tasks.")
@with_appcontext
def deactivate_command(username: str, successor: str | None) -> None:
    """Deactivate a departing employee at once (regulations §4.2)."""
    from oa_platform.accounts.commands import deactivate_user

    sm = current_app.appbuilder.sm
    target = sm.find_user(username=username)
    if target is None:
        raise click.ClickException(f"No user named {username}.")
    heir = None
    if successor:
        heir = sm.find_user(username=successor)
        if heir is None:
            raise click.ClickException(f"No user named {successor}.")
    try:
        deactivate_user(None, target, heir)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{username} is deactivated.")


@users_cli.command("create-admin")
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.option("--first-name", default="IT")
@click.option("--last-name", default="Administrator")
@with_appcontext
def create_admin_command(username: str, email: str, first_name: str, last_name: str) -> None:
    """Create an administrator with a one-time password (printed once)."""
    from oa_platform.accounts.commands import current_policy
    from oa_platform.accounts.models import OAUser
    from oa_platform.accounts.passwords import one_time_password, store_password
    from oa_platform.unit_of_work import unit_of_work

    sm = current_app.appbuilder.sm
    if sm.find_user(username=username) or sm.find_user(email=email):
        raise click.ClickException("A user with that user name or e-mail already exists.")

    def work() -> str:
        user = OAUser(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            active=True,
            roles=[sm.find_role(sm.auth_role_admin)],
        )
        db.session.add(user)
        db.session.flush()
        password = one_time_password(current_policy(), username)
        store_password(db.session, user, password, must_change=True)
        return password

    password = unit_of_work(db.session).run(work, conflicts=())
    click.echo(f"Created {username}; one-time password: {password}")


# Issue 19: companies (oa_platform/org/).
from oa_platform.org.cli import org_cli  # noqa: E402
from oa_platform.runtime.search_cli import search_cli  # noqa: E402

oa_cli.add_command(org_cli)
oa_cli.add_command(search_cli)

# Issue 22: the usage view's daily rollup (oa_platform/usage/).
from oa_platform.usage.cli import usage_cli  # noqa: E402

oa_cli.add_command(usage_cli)


def main() -> None:
    """The ``oa`` console script: Flask's CLI bound to this app (``oa db upgrade``, ``oa oa
    demo`` ...), so no FLASK_APP is needed."""
    from oa_platform import create_app

    FlaskGroup(create_app=create_app)()
