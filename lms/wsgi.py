"""WSGI entry point: ``gunicorn lms.wsgi:app``, from an installed package or a checkout."""

from lms import create_app

app = create_app()
