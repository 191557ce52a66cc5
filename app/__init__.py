"""civicloop: closes the loop between citizens' feedback and the teams that build e-services."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import load_settings
from app.extensions import babel, csrf, db, limiter, login_manager, migrate

LANGUAGES = ("fi", "sv", "en", "da", "nb")
PAGE_LANGUAGES = ("fi", "sv", "en")


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
    from app.services.rollups import track_item_changes

    track_item_changes()  # keeps the insight roll-up right (app/services/rollups.py)

    from app.api import api_bp, hooks_bp
    from app.cli import register_cli
    from app.errors import register_error_handlers
    from app.input_guard import register_input_guard
    from app.open311 import open311_bp
    from app.security import register_security
    from app.web.public import public_bp
    from app.web.staff import staff_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(hooks_bp)
    app.register_blueprint(open311_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(staff_bp)
    # Machine clients authenticate with tokens or signatures, not cookies.
    csrf.exempt(api_bp)
    csrf.exempt(hooks_bp)
    csrf.exempt(open311_bp)

    register_error_handlers(app)
    register_input_guard(app)
    register_security(app)
    register_cli(app)
    import workers.jobs  # noqa: F401  (the job bodies declare themselves: app/jobs.py)
    from app.jobs import init_app as init_jobs

    init_jobs(app)
    return app
