"""The WSGI entry point: gunicorn wsgi:app."""

from diary import create_app, memory, startup

app = create_app()
startup.refuse_stale_keys(app)
memory.settle()  # each worker, once its app is built (see diary.memory)
