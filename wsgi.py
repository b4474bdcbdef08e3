"""WSGI entry point: ``gunicorn wsgi:app``; ``flask`` finds it from the repository root."""

from lms import create_app

app = create_app()
