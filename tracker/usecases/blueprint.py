"""The use-cases blueprint object, shared by the view modules that register routes on it."""

from flask import Blueprint

bp = Blueprint("usecases", __name__, url_prefix="/use-cases")
