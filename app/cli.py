"""Command line: `flask --app wsgi <group> <command>`."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db
from app.models import ROLES
from app.models.user import TOKEN_SCOPES

catalog_cli = AppGroup("catalog", help="The catalog of departments and e-services.")
users_cli = AppGroup("users", help="Staff users.")
tokens_cli = AppGroup("tokens", help="API tokens.")
jobs_cli = AppGroup("jobs", help="Background work.")
tracker_cli = AppGroup("tracker", help="The issue tracker.")
calls_cli = AppGroup("calls", help="Contact-centre call logs.")

DEMO_CATALOG = Path(__file__).parent / "data" / "demo_catalog.json"
DEMO_USERS = (
    ("admin@example.org", "admin"),
    ("agent@example.org", "agent"),
    ("handler@example.org", "handler"),
)


@catalog_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def catalog_load(path: Path) -> None:
    """Load departments, e-services and suppliers from PATH (re-loading updates)."""
    from app.services.catalog import CatalogError, load_catalog

    try:
        summary = load_catalog(json.loads(path.read_text(encoding="utf-8")))
    except (CatalogError, json.JSONDecodeError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"catalog: {summary.departments} departments, {summary.eservices} e-services, "
        f"{summary.suppliers} suppliers"
    )


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--supplier", "supplier_code", help="Supplier code, for the supplier role.")
@click.option("--password", help="Password; a random one is printed when omitted.")
@click.option(
    "--department",
    "department_codes",
    multiple=True,
    help="A department a handler works for (repeatable); none means every department.",
)
def users_create(
    email: str,
    role: str,
    supplier_code: str | None,
    password: str | None,
    department_codes: tuple[str, ...],
) -> None:
    from app.services.accounts import AccountError, create_user

    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = create_user(
            email, role, password, supplier_code=supplier_code, department_codes=department_codes
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"user {user.email} ({user.role})" + (f" password: {password}" if generated else ""))


@tokens_cli.command("create")
@click.argument("email")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(TOKEN_SCOPES),
    help="What the token may do (repeatable); by default what the user's role may do.",
)
def tokens_create(email: str, scopes: tuple[str, ...]) -> None:
    """Print a new API token for EMAIL's user (only its hash is stored)."""
    from sqlalchemy import func, select

    from app.models import User
    from app.services.accounts import AccountError, create_token

    user = db.session.scalars(select(User).where(func.lower(User.email) == email.lower())).first()
    if user is None:
        raise click.ClickException(f"no user {email}")
    try:
        token = create_token(user, scopes)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(token)


@tokens_cli.command("revoke")
@click.argument("prefix")
def tokens_revoke(prefix: str) -> None:
    """Revoke the token(s) starting with PREFIX (the first 10 characters)."""
    from app.services.accounts import revoke_token

    count = revoke_token(prefix)
    db.session.commit()
    click.echo(f"revoked {count} token(s)")


@jobs_cli.command("reconcile")
def jobs_reconcile() -> None:
    """Queue again whatever the database says is due (also scheduled on workers)."""
    from app.services.reconcile import reconcile

    report = reconcile()
    click.echo(
        f"queued: {report.feedback} items, {report.tickets} tickets, {report.notices} notices, "
        f"{report.imports} call imports, {report.outcomes} outcomes to tell the tracker"
    )


@jobs_cli.command("poll-mail")
def jobs_poll_mail() -> None:
    """Read citizens' replies and bounces: the IMAP mailbox and instance/inbox (also
    scheduled on workers; an embedded install runs this from cron)."""
    from app.services.inbound_mail import poll_inbound_mail

    report = poll_inbound_mail()
    click.echo(
        f"stored {report.stored}, already stored {report.duplicates}, failed {report.failed}"
    )


@calls_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping", default="generic", show_default=True, help="A shipped mapping's name or a file."
)
@click.option("--show-rejected", default=50, show_default=True, help="Rejected rows to list.")
def calls_import(path: Path, mapping: str, show_rejected: int) -> None:
    """Import a contact-centre export (CSV or JSON Lines), streaming, in batches."""
    import time

    from app.services.call_import import import_call_log
    from integrations.call_logs import CallLogMapping, MappingError, read_call_log

    try:
        call_mapping = CallLogMapping.load(mapping)
    except MappingError as error:
        raise click.ClickException(str(error)) from error
    started = time.monotonic()

    def progress(summary) -> None:  # noqa: ANN001
        rate = summary.rows / max(time.monotonic() - started, 1e-6)
        click.echo(
            f"\r{summary.rows:,} rows ({rate:,.0f}/s): {summary.stored:,} stored, "
            f"{summary.known:,} known, {summary.skipped:,} skipped, {summary.rejected:,} rejected",
            nl=False,
            err=True,
        )

    try:
        summary = import_call_log(
            read_call_log(path, call_mapping), call_mapping, progress=progress
        )
    except ValueError as error:  # the export's header does not fit the mapping
        raise click.ClickException(str(error)) from error
    click.echo("", err=True)
    click.echo(
        f"{summary.rows:,} rows in {time.monotonic() - started:.1f} s: {summary.stored:,} stored, "
        f"{summary.known:,} already known, {summary.skipped:,} without feedback, "
        f"{summary.rejected:,} rejected"
    )
    for row in summary.rejections[:show_rejected]:
        click.echo(f"  line {row.line}: {row.reason}")
    if summary.rejected > show_rejected:
        click.echo(f"  … and {summary.rejected - show_rejected:,} more rejected rows")


@tracker_cli.command("sync")
def tracker_sync() -> None:
    """Poll the tracker for changed tickets (also scheduled on workers)."""
    from app.services.tickets import sync_from_tracker

    click.echo(f"applied {sync_from_tracker()} changed issue(s)")


@click.command("demo")
def demo() -> None:
    """Load the demo catalog and demo users, printing how to sign in."""
    from app.services.accounts import create_user
    from app.services.catalog import load_catalog

    summary = load_catalog(json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))
    click.echo(f"demo catalog: {summary.departments} departments, {summary.eservices} e-services")
    for email, role in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        create_user(email, role, password)
        click.echo(f"sign in at /staff/login as {email} with password {password}")
    db.session.commit()


def register_cli(app: Flask) -> None:
    from app.cli_benchmark import benchmark_cli
    from app.cli_privacy import privacy_cli
    from app.cli_routing import routing_cli
    from app.cli_surveys import surveys_cli

    commands = (catalog_cli, users_cli, tokens_cli, jobs_cli, tracker_cli, calls_cli)
    for command in (*commands, surveys_cli, routing_cli, privacy_cli, benchmark_cli, demo):
        app.cli.add_command(command)
