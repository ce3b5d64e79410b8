"""The Celery application: configuration comes from Django settings (``CELERY_*``)."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grid_platform.settings")

app = Celery("grid_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_file_broker_folders(sender: Celery, **kwargs: object) -> None:
    """The embedded set-up's file-based broker needs its folders before the first message."""
    if sender.conf.broker_url != "filesystem://":
        return
    options = sender.conf.broker_transport_options
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        Path(options[key]).mkdir(parents=True, exist_ok=True)
