"""Risk-first staff performance improvement plans: the application factory (wiring only)."""

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module
from .requests import PipFlask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then the environment, then test_config."""
    app = PipFlask(__name__, instance_relative_config=True)
    production = os.environ.get("PIP_ENV") == "production"
    app.config.from_object(config_module.ProductionConfig if production else config_module.Config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("PIP")
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = config_module.database_url(app.instance_path)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = config_module.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.load_secret_key(app.instance_path, app.config["PRODUCTION"])

    if app.config["PROXY_COUNT"]:
        hops = int(app.config["PROXY_COUNT"])
        # Flask documents wrapping wsgi_app this way; mypy reads the attribute as a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    register_converters(app)  # before any route is added: a rule binds its converter when added
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_static_versions(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from .auth.session import init_login
    from .extensions import csrf, db, limiter, migrate
    from .requests import init_write_requests
    from .services.attention import keep_attention
    from .services.charts_kept import keep_charts

    db.init_app(app)
    init_write_requests(app)  # first of the request hooks: the ones below may read the database
    keep_attention()  # each plan's flag facts, kept in the transaction of every change
    keep_charts()  # each measured action's progress chart, likewise
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    init_login(app)


def register_blueprints(app: Flask) -> None:
    from .adjustments import bp as adjustments_bp
    from .admin import bp as admin_bp
    from .appeals import bp as appeals_bp
    from .attachments import bp as attachments_bp
    from .auth import bp as auth_bp
    from .closure import bp as closure_bp
    from .decisions import bp as decisions_bp
    from .disagreements import bp as disagreements_bp
    from .factors import bp as factors_bp
    from .hr import bp as hr_bp
    from .letters import bp as letters_bp
    from .main import bp as main_bp
    from .meetings import bp as meetings_bp
    from .plans import bp as plans_bp
    from .register import bp as register_bp
    from .regulatory import bp as regulatory_bp
    from .reviews import bp as reviews_bp
    from .support import bp as support_bp

    for blueprint in (
        main_bp,
        auth_bp,
        plans_bp,
        reviews_bp,
        register_bp,
        closure_bp,
        hr_bp,
        admin_bp,
        attachments_bp,
        meetings_bp,
        support_bp,
        adjustments_bp,
        factors_bp,
        decisions_bp,
        disagreements_bp,
        regulatory_bp,
        appeals_bp,
        letters_bp,
    ):
        app.register_blueprint(blueprint)


def register_converters(app: Flask) -> None:
    """Every `<int:…>` in every route is an id: ASCII digits, 1 … 2⁶³−1, else 404 (see params)."""
    from .params import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_errorhandlers(app: Flask) -> None:
    from .errors import init_errors

    init_errors(app)


def register_template_helpers(app: Flask) -> None:
    from .templating import init_templating

    init_templating(app)


def register_security_headers(app: Flask) -> None:
    from .security import init_security_headers

    init_security_headers(app)


def register_static_versions(app: Flask) -> None:
    from .static_files import init_static_versions

    init_static_versions(app)


def register_commands(app: Flask) -> None:
    from .commands import cli

    app.register_blueprint(cli)
