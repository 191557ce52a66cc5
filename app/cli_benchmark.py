"""Command line for the benchmark exchange: `flask --app wsgi benchmark export|keygen|import`."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

benchmark_cli = AppGroup("benchmark", help="Exchanging signed figures with other cities.")


@benchmark_cli.command("keygen")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Where the key goes."
)
def benchmark_keygen(output: Path | None) -> None:
    """Make this city's signing key (BENCHMARK_KEY_FILE) and print the public key that
    peers register."""
    from app.services.benchmark.signing import generate_key, key_id

    path = output or Path(current_app.config["BENCHMARK_KEY_FILE"])
    try:
        public = generate_key(path)
    except FileExistsError as error:
        raise click.ClickException(
            f"{path} exists; a city keeps its key (move it first)"
        ) from error
    click.echo(f"private key: {path} (keep it secret)")
    click.echo(f"public key:  {base64.b64encode(public).decode('ascii')}")
    click.echo(f"key id:      {key_id(public)}")


@benchmark_cli.command("export")
@click.option("--period", required=True, help="The month, YYYY-MM.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout.")
def benchmark_export(period: str, output: Path | None) -> None:
    """Write this city's signed benchmark file of PERIOD."""
    from app.services.benchmark.export import PeriodError, signed_export
    from app.services.benchmark.signing import SigningKeyError

    try:
        envelope = signed_export(period)
    except (PeriodError, SigningKeyError) as error:
        raise click.ClickException(str(error)) from error
    text = json.dumps(envelope, ensure_ascii=False, indent=1)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        cells = len(envelope["document"]["service_types"])
        click.echo(f"{output}: {period}, {cells} service types", err=True)


@benchmark_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def benchmark_import(path: Path) -> None:
    """Import a peer's signed file (replacing its figures of that month)."""
    from app.services.benchmark.exchange import import_file

    attempt = import_file(path.read_bytes(), "command").attempt
    if not attempt.accepted:
        raise click.ClickException(f"refused: {attempt.reason}")
    click.echo(
        f"imported {attempt.peer.code} {attempt.period}: {attempt.service_types} service types"
    )


@benchmark_cli.command("fetch")
def benchmark_fetch() -> None:
    """Fetch last month's files from the peers' export URLs (also scheduled on workers)."""
    from app.services.benchmark.exchange import fetch_from_peers

    click.echo(f"{fetch_from_peers()} file(s) imported or refused")
