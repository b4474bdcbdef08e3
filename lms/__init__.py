"""A learning platform that trains civil servants in the digital skills of their job."""

import logging.config
import os
import sys
from itertools import chain
from pathlib import Path

from flask import Flask

from lms import config as lms_config
from lms.core import operations, static


def create_app(config: dict | None = None) -> Flask:
    """Build the application: configure → extensions → plugins (which bring the blueprints,
    commands and tasks, the domains' among them) → static files."""
    instance = (config or {}).get("LMS_INSTANCE_PATH") or os.environ.get(
        "LMS_INSTANCE_PATH", str(lms_config.DEFAULT_INSTANCE)
    )
    app = Flask(
        __name__,
        root_path=str(lms_config.SHIPPED),
        instance_path=str(Path(instance).resolve()),
        # config.py is read from the instance folder, not from beside the code.
        instance_relative_config=True,
        template_folder="templates",
        static_folder="static",
    )
    lms_config.load(app, config)
    _configure_logging(app)
    _init_extensions(app)
    operations.init_app(app)
    _init_plugins(app)
    # Last: it serves the static folders of the blueprints the plugins registered.
    static.init_app(app)
    return app


def _configure_logging(app: Flask) -> None:
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
            "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
            "loggers": {
                "lms": {
                    "level": app.config["LMS_LOG_LEVEL"],
                    "handlers": ["stderr"],
                    "propagate": False,
                },
            },
        }
    )


def _init_extensions(app: Flask) -> None:
    from lms.accounts.sessions import load_session_user
    from lms.core import errors, security
    from lms.core.db import check_connections, configure_sqlite
    from lms.core.i18n import select_locale
    from lms.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
        check_connections(db.engine)
    migrate.init_app(app, db, directory=str(lms_config.shipped("migrations")))
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_session_user)
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to open this page.")
    errors.register(app)
    security.register(app)
    _register_template_globals(app)
    _register_number_filters(app)


def _init_plugins(app: Flask) -> None:
    """Load plugins, the built-in ones first, then let templates find each activity type's
    own templates after ours."""
    import jinja2
    from markupsafe import Markup

    from lms import domains, plugins
    from lms.core import jobs
    from lms.learning import completion

    plugins.init_app(app, builtins=[domains, completion])
    registry = plugins.registry_of(app)
    jobs.init_app(app, chain.from_iterable(registry.manager.hook.lms_jobs()))
    type_folders = [
        jinja2.FileSystemLoader(
            str(Path(sys.modules[type(t).__module__].__file__).parent / "templates")
        )
        for t in registry.activity_types.values()
    ]
    app.jinja_loader = jinja2.ChoiceLoader([app.jinja_loader, *type_folders])

    @app.template_global()
    def template_hook(name: str, **context) -> Markup:
        """The HTML that plugins put in a named slot of a page."""
        parts = registry.manager.hook.lms_template_hook(name=name, context=context)
        return Markup("").join(part for part in parts if part)


def _register_number_filters(app: Flask) -> None:
    """Numbers written the way the page's language writes them ("85 %", "1,5")."""
    from lms.core.i18n import format_decimal, format_percent

    app.add_template_filter(format_percent, "percentformat")
    app.add_template_filter(format_decimal, "decimalformat")


def _register_template_globals(app: Flask) -> None:
    from flask_babel import get_locale

    from lms.accounts.forms import LanguageForm, SignOutForm
    from lms.core.i18n import LOCALE_NAMES
    from lms.core.permissions import Role

    @app.context_processor
    def layout_globals():
        locale = str(get_locale())
        # The layout's forms only render their fields; left to FlaskForm they would read the
        # request's body, which for an oversized request raises again inside its 413 page.
        return {
            "Role": Role,
            "locale": locale,
            "locale_names": LOCALE_NAMES,
            "language_form": LanguageForm(formdata=None, locale=locale),
            "sign_out_form": SignOutForm(formdata=None),
        }
