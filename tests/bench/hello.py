"""The baseline for ``tests.bench.load``: the smallest Flask app, served by the same gunicorn."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Hello, World!"""
    return "Hello, World!"
