"""The News page: a FastAPI app the Airflow api-server mounts (see ``newsflow_plugin``).

Operators and analysts would rather look than read: per source and day the
articles, rejects by reason and languages, a volume trend, the top entities
and the trend of a chosen one, places per country, a search box over the
articles (the full-text index), each partition linked to the DAG run that
wrote it. The page is rendered on the server; two small SVG charts are drawn by an
inline script from the JSON endpoints below (no CDN: the machines have no
internet).

The warehouse is the lake ``newsflow.config.Settings`` names (the same
``NEWSFLOW_WAREHOUSE`` and ``NEWSFLOW_CATALOG`` as the pipeline's), read
through ``newsflow.warehouse.queries.analyst``: attached read-only and
sandboxed like ``newsflow query``, so the page can read nothing but the lake
and change nothing. Before the first publish there is no catalog, and the page
says so. ``newsflow`` (and with it DuckDB) is imported inside the handlers, so
loading the plugin, which every Airflow process does, stays cheap.

Plugin apps are not behind Airflow's login by themselves: ``require_reader``
applies the UI's own credentials (session cookie or bearer token) and asks the
auth manager whether the user may read news_daily's runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from newsflow_ui import queries

if TYPE_CHECKING:
    import duckdb

    from newsflow.config import Settings

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
TOP_ENTITIES = 25
COUNTRIES = 20
SEARCH_HITS = 10


def settings() -> Settings:
    """The pipeline's settings, as every ``newsflow`` process resolves them (once)."""
    from newsflow.config import Settings

    return Settings.current()


@contextmanager
def warehouse() -> Iterator[duckdb.DuckDBPyConnection | None]:
    """The lake, read-only and sandboxed as analysts have it; ``None`` before the first publish."""
    from newsflow.warehouse import queries as lake_queries

    lake = settings().lake()
    if not lake.has_catalog():
        yield None
        return
    with lake_queries.analyst(lake) as con:
        yield con


def _authorize(user: Any) -> None:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import (
        DagAccessEntity,
        DagDetails,
    )
    from airflow.models.dag import DagModel

    details = DagDetails(id=queries.DAG_ID, team_name=DagModel.get_team_name(queries.DAG_ID))
    if not get_auth_manager().is_authorized_dag(
        method="GET", user=user, access_entity=DagAccessEntity.RUN, details=details
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Forbidden")


async def require_reader(request: Request) -> None:
    """Let in whoever the Airflow UI lets read news_daily's runs (401/403 otherwise)."""
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user

    user = await get_user(request, None, await bearer_scheme(request))
    await asyncio.to_thread(_authorize, user)


#: FastAPI serves its schema and docs pages as bare routes, outside the app's
#: dependencies: with the defaults they would answer without a login. The docs
#: pages are off (they load their scripts from a CDN, which the machines cannot
#: reach); the schema is served below, behind the login like every route.
app = FastAPI(
    title="newsflow News",
    description="The News page of the Airflow UI and the JSON it draws its charts from.",
    dependencies=[Depends(require_reader)],
    openapi_url=None,
    docs_url=None,
    redoc_url=None,
)


@app.get("/openapi.json", include_in_schema=False)
def openapi_schema() -> dict[str, Any]:
    """The JSON endpoints' OpenAPI schema, for whoever may read the page."""
    return app.openapi()


@app.get("/", response_class=HTMLResponse)
def news_page(
    request: Request,
    entity: str | None = None,
    q: Annotated[str, Query(max_length=500)] = "",
) -> HTMLResponse:
    """The page: search, summary, charts (drawn by the inline script), top entities,
    places by country, partitions."""
    with warehouse() as con:
        parts = queries.partitions(con)
        top = queries.top_entities(con, TOP_ENTITIES)
        places = queries.places_by_country(con, COUNTRIES)
        found = queries.search(con, q, SEARCH_HITS)
    chosen = entity or (top[0]["name"] if top else None)
    context = {
        "warehouse": settings().warehouse,
        "partitions": parts,
        "top": top,
        "places": places,
        "search": found,
        "entity": chosen,
        "totals": {
            "partitions": len(parts),
            "sources": len({p.source for p in parts}),
            "articles": sum(p.articles for p in parts),
            "rejects": sum(p.rejects for p in parts),
            "first": min((p.date for p in parts), default=None),
            "last": max((p.date for p in parts), default=None),
        },
    }
    return TEMPLATES.TemplateResponse(request, "news.html", context)


@app.get("/api/partitions")
def api_partitions() -> list[dict[str, Any]]:
    """Every partition, newest first: counts, rejects by reason, languages, latest run."""
    with warehouse() as con:
        return [p.as_json() for p in queries.partitions(con)]


@app.get("/api/volume")
def api_volume() -> dict[str, Any]:
    """Articles per day, one series per source."""
    with warehouse() as con:
        return queries.volume(queries.partitions(con))


@app.get("/api/top-entities")
def api_top_entities(
    limit: Annotated[int, Query(ge=1, le=500)] = TOP_ENTITIES,
) -> list[dict[str, Any]]:
    """The most mentioned names over the whole warehouse."""
    with warehouse() as con:
        return queries.top_entities(con, limit)


@app.get("/api/entities")
def api_entity_trend(name: Annotated[str, Query(min_length=1, max_length=500)]) -> dict[str, Any]:
    """Mentions of one entity (canonical name) per day, one series per source."""
    with warehouse() as con:
        return queries.entity_trend(con, queries.partitions(con), name)


@app.get("/api/places")
def api_places(limit: Annotated[int, Query(ge=1, le=300)] = COUNTRIES) -> list[dict[str, Any]]:
    """Mentions of places per country, with each country's most mentioned places."""
    with warehouse() as con:
        return queries.places_by_country(con, limit)


@app.get("/api/search")
def api_search(
    q: Annotated[str, Query(min_length=1, max_length=500)],
    limit: Annotated[int, Query(ge=1, le=100)] = SEARCH_HITS,
) -> dict[str, Any]:
    """Full-text (BM25) search of the articles: best first, with a snippet each."""
    with warehouse() as con:
        return queries.search(con, q, limit)


@app.get("/icon.svg", include_in_schema=False)
def icon() -> FileResponse:
    """The News entry's icon in the Airflow navigation."""
    return FileResponse(HERE / "templates" / "icon.svg", media_type="image/svg+xml")
