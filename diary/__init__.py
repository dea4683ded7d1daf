"""Diary: a bilingual mobile diary for clinical-trial participants, caregivers and staff."""

from pathlib import Path

from flask import Flask

from diary import config as settings
from diary import crypto


def create_app(overrides: dict | None = None) -> Flask:
    """Build the application: config, validation, extensions, blueprints, errors, CLI."""
    app = Flask(__name__, instance_relative_config=True)
    from diary.web import translated_templates

    translated_templates.init_app(app)  # before anything asks for the template environment
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config.update(settings.load(app.instance_path, overrides))
    settings.validate(app.config, app.instance_path)
    crypto.configure(app.config["DIARY_ENCRYPTION_KEYS"])
    crypto.configure_peppers(app.config["DIARY_PIN_PEPPER"])

    from diary.extensions import babel, csrf, db, limiter, login_manager, migrate
    from diary.web import (
        assets,
        deployment,
        fragments,
        i18n,
        limits,  # noqa: F401
        security,
        transactions,
    )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    transactions.init_app(app)
    limiter.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    fragments.init_app(app)
    deployment.init_app(app)
    assets.init_app(app)

    from diary.auth.views import bp as auth_bp
    from diary.participant.views import bp as participant_bp
    from diary.staff import bp as staff_bp
    from diary.web.public import bp as public_bp
    from diary.webhooks.views import bp as webhooks_bp

    csrf.exempt(webhooks_bp)  # signed by Twilio instead
    for blueprint in (public_bp, auth_bp, participant_bp, staff_bp, webhooks_bp):
        app.register_blueprint(blueprint)

    from diary import cli
    from diary.web import errors

    errors.init_app(app)
    cli.init_app(app)
    return app
