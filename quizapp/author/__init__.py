from flask import Blueprint

bp = Blueprint("author", __name__)

from . import analysis, routes  # noqa: E402,F401  (routes attach themselves to bp)
