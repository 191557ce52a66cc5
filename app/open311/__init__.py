"""Open311 GeoReport v2 (/open311/v2): service types, service requests and their updates."""

from flask import Blueprint, current_app

from app.api.auth import client_key
from app.extensions import limiter

open311_bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
# The same per-token limit as the JSON API; reads without a key count per address.
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=client_key)(open311_bp)

from app.open311 import views  # noqa: E402, F401  (registers the routes on open311_bp)

__all__ = ["open311_bp"]
