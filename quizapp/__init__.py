"""quizapp: quizzes and flashcards with spaced repetition for the facts of a document."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)

    from .config import load_config

    load_config(app, test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config.get("TRUSTED_PROXIES"):
        # Behind N reverse proxies: take the client address and scheme from their headers, so
        # rate limits count clients rather than the proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    from . import models  # noqa: F401  (registers the tables on db.metadata)
    from .compression import init_compression
    from .database import init_database
    from .extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    init_database(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    init_compression(app)

    from . import auth, author, classes, drills, errors, study
    from .security import init_security
    from .templating import init_templating

    init_security(app)
    init_templating(app)
    errors.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(study.bp)
    app.register_blueprint(author.bp, url_prefix="/author")
    app.register_blueprint(classes.bp, url_prefix="/classes")
    app.register_blueprint(drills.bp, url_prefix="/drills")

    from . import api

    api.init_app(app)

    from .cli import register_cli

    register_cli(app)
    return app
