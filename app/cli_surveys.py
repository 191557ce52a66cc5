"""Command line for surveys: `flask --app wsgi surveys define PATH`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

surveys_cli = AppGroup("surveys", help="Survey question frames.")


@surveys_cli.command("define")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def surveys_define(path: Path) -> None:
    """Load a frame from PATH, shaped like app/data/common_survey.json (plus an optional
    "department"). A new version is made only when its questions changed."""
    from app.services.surveys import SurveyError, define_frame

    try:
        definition = json.loads(path.read_text(encoding="utf-8"))
        defined = define_frame(
            definition["code"],
            definition["questions"],
            definition.get("titles", {}),
            department=definition.get("department"),
        )
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
        raise click.ClickException(f"{path}: not a frame definition ({error})") from error
    except SurveyError as error:
        problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.messages.items())
        raise click.ClickException(f"{path}: {problems}") from error
    frame = defined.frame
    state = "new version" if defined.created else "questions unchanged"
    click.echo(f"survey frame {frame.code} version {frame.version} ({state})")
