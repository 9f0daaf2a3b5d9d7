"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""
from pip_app.serving import server_app

app = server_app()
