"""The WSGI entry point: gunicorn wsgi:app, or flask --app wsgi …

Serving without Redis, the process also runs the background work (app/embedded.py).
"""

from app import create_app
from app.embedded import serving, start_embedded_loop

app = create_app()
if serving():
    start_embedded_loop(app)
