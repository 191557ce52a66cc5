"""Gunicorn reads this file from the working directory (the Procfile's web process)."""

# Status, follow-up and unsubscribe tokens never reach the access log (app/access_log.py).
logger_class = "app.access_log.TokenMaskingLogger"


def post_worker_init(worker: object) -> None:
    """Each web worker loads redaction's name lists before its first request (about half a
    second that the first citizen's or agent's request would otherwise wait)."""
    from app.services.privacy import preload_redaction

    preload_redaction()
