"""Gunicorn reads this file from the working directory (the Procfile's web process)."""

# Status, follow-up and unsubscribe tokens never reach the access log (app/access_log.py).
logger_class = "app.access_log.TokenMaskingLogger"
