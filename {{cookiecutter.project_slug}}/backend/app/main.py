import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import throttle
from app.api.main import api_router
from app.api.protection import protect
{%- if cookiecutter.use_websockets == "yes" %}
from app.api.routes.socket import SocketFirst
{%- endif %}
from app.core.config import settings
from app.core.db import engine
{%- if cookiecutter.frontend == "react" %}
from app.frontend import mount_frontend
{%- endif %}
{%- if cookiecutter.use_websockets == "yes" %}
from app.realtime.connections import connections
from app.realtime.rooms.runtime import hub
{%- endif %}


def freeze_startup_objects() -> None:
    """What is loaded by now lives as long as the process: keep it out of the garbage
    collector's full passes, which would otherwise stall every request now and then."""
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
{%- if cookiecutter.use_websockets == "yes" %}
    await hub.start()
    await connections.start()
    freeze_startup_objects()
    yield
    await connections.stop()
    await hub.stop()
{%- else %}
    freeze_startup_objects()
    yield
{%- endif %}
    await throttle.close()
    await engine.dispose()


app = FastAPI(
    title=settings.PROJECT_NAME,
    # The API's description and its pages only where API_DOCS allows (local, by default).
    openapi_url=f"{settings.API_V1_STR}/openapi.json" if settings.api_docs else None,
    docs_url="/docs" if settings.api_docs else None,
    redoc_url="/redoc" if settings.api_docs else None,
    lifespan=lifespan,
)
protect(app)

if settings.allowed_origins:
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
{%- if cookiecutter.use_websockets == "yes" %}
app.add_middleware(SocketFirst)
{%- endif %}

app.include_router(api_router, prefix=settings.API_V1_STR)
{%- if cookiecutter.frontend == "react" %}

# Last, so that every route above answers first: the built page takes the other paths.
mount_frontend(app)
{%- endif %}
