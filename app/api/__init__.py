"""Machine-facing blueprints: the JSON API and the tracker webhooks."""
