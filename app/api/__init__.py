"""Machine-facing blueprints: the JSON API and the tracker webhooks."""

from flask import current_app

import app.api.benchmark  # noqa: F401  (registers the benchmark exchange routes on api_bp)
import app.api.insight  # noqa: F401  (registers the supplier insight route on api_bp)
from app.api import surveys  # noqa: F401  (registers the survey routes on api_bp)
from app.api.auth import client_key
from app.api.feedback import api_bp
from app.api.hooks import hooks_bp
from app.extensions import limiter

# Per token, so one runaway integration cannot starve the others (the webhooks are signed
# and come from the tracker alone, so they are not limited here).
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=client_key)(api_bp)

__all__ = ["api_bp", "hooks_bp"]
