"""The machine-facing blueprints, in a module of their own: the view modules of app/api
register their routes on them and the app factory imports the views."""

from flask import Blueprint, current_app

from app.api.auth import client_key
from app.extensions import limiter

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
hooks_bp = Blueprint("hooks", __name__, url_prefix="/hooks")

# Per token, so one runaway integration cannot starve the others (the webhooks are signed
# and come from the tracker alone, so they are not limited here).
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=client_key)(api_bp)
