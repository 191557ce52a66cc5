"""The web layer's blueprints, in a module of their own: the view modules import their
blueprint from here and the app factory imports the view modules, so no view module imports
back the module that registers it."""

from flask import Blueprint

public_bp = Blueprint("public", __name__)
staff_bp = Blueprint("staff", __name__, url_prefix="/staff")
