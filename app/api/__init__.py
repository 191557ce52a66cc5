"""Machine-facing blueprints: the JSON API and the tracker webhooks."""

from app.api import surveys  # noqa: F401  (registers the survey routes on api_bp)
from app.api.feedback import api_bp
from app.api.hooks import hooks_bp

__all__ = ["api_bp", "hooks_bp"]
