"""The Open311 blueprint, in a module of its own: app/open311/views.py registers the routes on
it and the app factory imports the views."""

from flask import Blueprint, current_app

from app.api.auth import client_key
from app.extensions import limiter

open311_bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
# The same per-token limit as the JSON API; reads without a key count per address.
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=client_key)(open311_bp)
