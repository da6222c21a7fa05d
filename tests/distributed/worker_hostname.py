"""The hostname a Celery worker's tasks report to Airflow (``[core] hostname_callable``).

On real machines (or containers) every worker has its own hostname, and Airflow
records it on each task instance. ``make test-distributed`` runs two workers on
one machine, so without this both would report the same name and the run could
not show which worker ran which task. Each worker process gets
``NEWSFLOW_WORKER_NAME`` (the same string as its ``--celery-hostname``) and
``AIRFLOW__CORE__HOSTNAME_CALLABLE=worker_hostname.hostname``.
"""

from __future__ import annotations

import os
import socket


def hostname() -> str:
    """The worker's name, else the machine's fully qualified name (Airflow's default)."""
    return os.environ.get("NEWSFLOW_WORKER_NAME") or socket.getfqdn()
