"""Open311 GeoReport v2 (/open311/v2): service types, service requests and their updates."""

from flask import Blueprint

open311_bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

from app.open311 import views  # noqa: E402, F401  (registers the routes on open311_bp)

__all__ = ["open311_bp"]
