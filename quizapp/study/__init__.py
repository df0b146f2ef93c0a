from flask import Blueprint

bp = Blueprint("study", __name__)

from . import routes, stats  # noqa: E402,F401  (routes attach themselves to bp)
