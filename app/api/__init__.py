"""Machine-facing blueprints: the JSON API and the tracker webhooks."""

from app.api.feedback import api_bp
from app.api.hooks import hooks_bp

__all__ = ["api_bp", "hooks_bp"]
