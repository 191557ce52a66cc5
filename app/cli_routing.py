"""Command line for the router: `flask --app wsgi routing train|evaluate`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

routing_cli = AppGroup("routing", help="The router's rules and trained models.")


@routing_cli.command("train")
def routing_train() -> None:
    """Retrain on the shipped history and every handler's routing decision (also scheduled
    daily); every process uses the new models from its next item."""
    from app.services.understanding import train_router

    row = train_router()
    metrics = row.metrics
    click.echo(
        f"trained model {row.id} on {row.trained_on} items "
        f"({metrics['handler_decisions']} handler decisions) in {metrics['seconds']} s"
    )


@routing_cli.command("evaluate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--folds", default=5, show_default=True, help="Cross-validation folds.")
@click.option(
    "--current",
    is_flag=True,
    help="Score the current trained models on PATH instead of cross-validating on it.",
)
@click.option("--by-problem", is_flag=True, help="Keep items of one problem in one fold.")
@click.option("--threshold", type=float, help="Routing threshold (default: ROUTING_THRESHOLD).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def routing_evaluate(
    path: Path, folds: int, current: bool, by_problem: bool, threshold: float | None, as_json: bool
) -> None:
    """Accuracy per field on PATH, a labelled JSON Lines file shaped like
    app/data/seed_feedback.jsonl. By default each fold is predicted by models trained only
    on the other folds, with this installation's catalog."""
    from flask import current_app

    from app.services.analysis import evaluate, load_labelled_with_groups
    from app.services.understanding import catalog_snapshot, evaluate_router

    try:
        rows = load_labelled_with_groups(path)
    except (ValueError, KeyError, TypeError) as error:
        raise click.ClickException(f"{path}: not a labelled JSON Lines file ({error})") from error
    items = [item for item, _ in rows]
    threshold = current_app.config["ROUTING_THRESHOLD"] if threshold is None else threshold
    if current:
        report = evaluate_router(items, threshold)
    else:
        if len(items) < max(folds, 2):
            raise click.ClickException(f"{path}: {len(items)} items are too few for {folds} folds")
        groups = [group for _, group in rows] if by_problem else None
        report = evaluate(
            items, folds, threshold, catalog=catalog_snapshot().catalog, groups=groups
        )
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.format())
