"""Airflow plugin: the News page (``newsflow_ui``) in the Airflow UI's navigation.

Airflow 3 plugin interface: ``fastapi_apps`` mounts the page's FastAPI app on
the api-server at ``/newsflow``; ``external_views`` adds a "News" entry to the
navigation that shows it inside the UI (at ``/plugin/news``). Every Airflow
process imports this module, so it imports FastAPI only: the warehouse code
(DuckDB) loads on the first request.
"""

from __future__ import annotations

from typing import Any, ClassVar

from airflow.plugins_manager import AirflowPlugin
from newsflow_ui.app import app

#: Where the api-server mounts the page; the navigation entry points there too.
PREFIX = "newsflow"


class NewsflowPlugin(AirflowPlugin):
    """The News page: volumes, rejects, languages and entity trends of the warehouse."""

    name = "newsflow"
    fastapi_apps: ClassVar[list[dict[str, Any]]] = [
        {"app": app, "url_prefix": f"/{PREFIX}", "name": "News"}
    ]
    # Paths without a leading slash resolve against the UI's base URL.
    external_views: ClassVar[list[dict[str, Any]]] = [
        {
            "name": "News",
            "href": f"{PREFIX}/",
            "icon": f"{PREFIX}/icon.svg",
            "destination": "nav",
            "url_route": "news",
        }
    ]
