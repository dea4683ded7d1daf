"""The WSGI entry point: gunicorn wsgi:app."""

from diary import create_app

app = create_app()
