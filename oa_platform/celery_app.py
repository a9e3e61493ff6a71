"""Entry point for ``celery -A oa_platform.celery_app worker|beat``."""

from oa_platform import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
