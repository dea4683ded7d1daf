"""The WSGI entry point: gunicorn wsgi:app."""

from diary import create_app, memory

app = create_app()
memory.settle()  # each worker, once its app is built (see diary.memory)
