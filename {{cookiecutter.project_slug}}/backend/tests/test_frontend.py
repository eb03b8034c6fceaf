"""The built frontend at /: its files, index.html for the page's own routes, real 404s for the rest.

The app of these tests serves the stand-in build that conftest.py writes (FRONTEND_DIST).
"""

import pytest
from fastapi import FastAPI
from starlette.routing import Mount

from tests.conftest import TEST_DIST, NewClient

INDEX = (TEST_DIST / "index.html").read_text()


@pytest.mark.parametrize("path", ["/", "/index.html", "/session", "/session/", "/some/deep/route"])
async def test_page_routes_get_index_html(new_client: NewClient, path: str) -> None:
    async with new_client("/") as web:
        response = await web.get(path)

    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"


async def test_built_files_are_served_as_they_are(new_client: NewClient) -> None:
    asset = TEST_DIST / "assets" / "page-1a2b3c.js"
    async with new_client("/") as web:
        response = await web.get("/assets/page-1a2b3c.js")
        head = await web.head("/assets/page-1a2b3c.js")

    assert response.status_code == 200
    assert response.text == asset.read_text()
    assert "javascript" in response.headers["content-type"]
    assert "immutable" in response.headers["cache-control"]
    assert head.status_code == 200


@pytest.mark.parametrize(
    "path", ["/assets/missing.js", "/missing.css", "/favicon.ico", "/session/logo.png"]
)
async def test_a_missing_file_is_a_404(new_client: NewClient, path: str) -> None:
    async with new_client("/") as web:
        response = await web.get(path)

    assert response.status_code == 404
    assert response.text != INDEX


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("path", ["/api", "/api/v1/missing", "/api/v2/users", "/api/v1/users/x/y"])
async def test_api_paths_are_never_the_page(new_client: NewClient, method: str, path: str) -> None:
    async with new_client("/") as web:
        response = await web.request(method, path)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


async def test_the_api_still_answers_first(new_client: NewClient) -> None:
    async with new_client("/") as web:
        health = await web.get("/api/v1/health")
        docs = await web.get("/docs")

    assert health.json()["status"] == "ok"
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


async def test_the_page_is_not_served_when_there_is_no_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from app import frontend
    from app.core.config import settings

    monkeypatch.setattr(settings, "FRONTEND_DIST", tmp_path_factory.mktemp("no-build"))
    app = FastAPI()

    assert frontend.mount_frontend(app) is False
    assert not [route for route in app.routes if isinstance(route, Mount)]
