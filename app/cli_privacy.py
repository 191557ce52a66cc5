"""Command line for the data protection officer: `flask --app wsgi privacy …`.

Requests made here are audited like those on the staff site, with no actor: the shell user
is not a staff account.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

import click
from flask.cli import AppGroup

privacy_cli = AppGroup("privacy", help="Data-subject requests and retention.")


def _query_errors(command: Callable) -> Callable:
    """A query that is neither an e-mail address nor a phone number is a usage error."""

    @wraps(command)
    def wrapped(*args: object, **kwargs: object) -> object:
        from app.services.subject_requests import SubjectQueryError

        try:
            return command(*args, **kwargs)
        except SubjectQueryError as error:
            raise click.UsageError(str(error)) from error

    return wrapped


@privacy_cli.command("find")
@click.argument("email_or_phone")
@_query_errors
def privacy_find(email_or_phone: str) -> None:
    """List what is held about the person with EMAIL_OR_PHONE."""
    from app.services.subject_requests import find_subject

    found = find_subject(email_or_phone, None)
    counts = found.counts()
    click.echo(", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items()))
    for item in found.items + found.mentions:
        click.echo(
            f"  {item.public_id}  {item.received_at:%Y-%m-%d}  {item.channel}  {item.status}"
        )


@privacy_cli.command("export")
@click.argument("email_or_phone")
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-", show_default=True)
@_query_errors
def privacy_export(email_or_phone: str, output: click.utils.LazyFile) -> None:
    """Write everything held about EMAIL_OR_PHONE as JSON."""
    from app.services.subject_requests import export_subject

    json.dump(export_subject(email_or_phone, None), output, ensure_ascii=False, indent=2)
    output.write("\n")


@privacy_cli.command("erase")
@click.argument("email_or_phone")
@click.confirmation_option(prompt="Erase this person's data? It cannot be undone.")
@_query_errors
def privacy_erase(email_or_phone: str) -> None:
    """Erase the person with EMAIL_OR_PHONE; statistics stay."""
    from app.services.subject_requests import erase_subject

    report = erase_subject(email_or_phone, None)
    click.echo(
        f"erased {report.contacts} contact(s); anonymised {report.items} item(s); "
        f"suppressed {report.notices_suppressed} queued notice(s)"
    )


@privacy_cli.command("withdraw")
@click.argument("email_or_phone")
@_query_errors
def privacy_withdraw(email_or_phone: str) -> None:
    """Record that EMAIL_OR_PHONE withdrew consent to follow-up; queued notices stop."""
    from app.services.subject_requests import withdraw_consent

    suppressed = withdraw_consent(email_or_phone, None, channel="cli")
    click.echo(f"consent withdrawn; suppressed {suppressed} queued notice(s)")


@privacy_cli.command("retention")
def privacy_retention() -> None:
    """Apply the retention periods now (the workers do this daily)."""
    from app.services.retention import apply_retention

    report = apply_retention()
    click.echo(
        f"erased {report.contacts_erased} contact(s); anonymised {report.texts_anonymised} "
        f"text(s); suppressed {report.notices_suppressed} queued notice(s)"
    )
