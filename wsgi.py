"""WSGI entry point from the repository root: ``gunicorn wsgi:app``, and what ``flask`` finds
there; the application is ``lms.wsgi``'s, which an installed package serves as
``lms.wsgi:app``."""

from lms.wsgi import app

__all__ = ["app"]
