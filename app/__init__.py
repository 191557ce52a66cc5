"""civicloop: closes the loop between citizens' feedback and the teams that build e-services."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import load_settings
from app.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: dict | None = None) -> Flask:
    settings = load_settings(config)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"])
    app.config.update(settings)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from app.i18n import current_language, local_time, select_locale

    babel.init_app(app, locale_selector=select_locale, default_timezone=app.config["TIME_ZONE"])
    app.jinja_env.globals.update(current_language=current_language, local_time=local_time)

    from app import models  # noqa: F401  (registers every table)
    from app.services.catalog import forget_lookups_at_transaction_end
    from app.services.reference_data import track_reference_changes
    from app.services.rollups import track_item_changes

    track_item_changes()  # keeps the insight roll-up right (app/services/rollups.py)
    track_reference_changes()  # tells every process its kept reference data is stale
    forget_lookups_at_transaction_end()

    from app.cli import register_cli
    from app.errors import register_error_handlers
    from app.input_guard import register_input_guard
    from app.security import register_security

    _register_blueprints(app)
    register_error_handlers(app)
    register_input_guard(app)
    register_security(app)
    register_cli(app)
    import workers.jobs  # noqa: F401  (the job bodies declare themselves: app/jobs.py)
    from app.jobs import init_app as init_jobs

    init_jobs(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """Each blueprint lives in a module of its own; importing the view modules here puts
    their routes on it (no view module is imported by the module that defines its blueprint)."""
    from app.api import benchmark, feedback, hooks, insight, surveys  # noqa: F401
    from app.api.blueprints import api_bp, hooks_bp
    from app.open311 import views  # noqa: F401
    from app.open311.blueprint import open311_bp
    from app.web import (  # noqa: F401
        followup,
        public,
        staff,
        staff_admin,
        staff_benchmark,
        staff_deadlines,
        staff_failures,
        staff_glossary,
        staff_inbox,
        staff_insight,
        staff_privacy,
        staff_problems,
        staff_routing,
        survey,
        unsubscribe,
    )
    from app.web.blueprints import public_bp, staff_bp

    for blueprint in (api_bp, hooks_bp, open311_bp, public_bp, staff_bp):
        app.register_blueprint(blueprint)
    # Machine clients authenticate with tokens or signatures, not cookies.
    for blueprint in (api_bp, hooks_bp, open311_bp):
        csrf.exempt(blueprint)
