"""The built frontend (`npm run build` in frontend/), served at / on the API's own port.

Its files are served as they are; any other path without a file extension is one of the page's
own routes (`/session`), answered with index.html so the page can route it. Paths under the API
prefix and missing files (`/assets/gone.js`) stay real 404s.
"""

import logging
from pathlib import Path, PurePosixPath

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.core.config import PROJECT_DIR, settings

logger = logging.getLogger(__name__)

INDEX = "index.html"
# Vite names the files under assets/ after their content: a new build means new names.
HASHED_DIR = "assets"


class SinglePageApp(StaticFiles):
    def __init__(self, directory: Path, api_prefix: str) -> None:
        super().__init__(directory=directory, html=True)
        self.api_root = api_prefix.strip("/").split("/")[0]

    def is_page_route(self, path: str) -> bool:
        parts = PurePosixPath(path).parts
        return not parts or not PurePosixPath(parts[-1]).suffix

    async def get_response(self, path: str, scope: Scope) -> Response:
        parts = PurePosixPath(path).parts
        if parts and parts[0] == self.api_root:
            raise HTTPException(status_code=404)
        try:
            response = await super().get_response(path, scope)
        except HTTPException as error:
            if error.status_code != 404 or not self.is_page_route(path):
                raise
            response = await super().get_response(INDEX, scope)
            path = INDEX
        if parts and parts[0] == HASHED_DIR:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        elif path in (".", INDEX):
            # Always ask again for the page, so that a new build is picked up at once.
            response.headers["Cache-Control"] = "no-cache"
        return response


def frontend_dist() -> Path:
    """FRONTEND_DIST, relative to the project's folder unless absolute."""
    return PROJECT_DIR / settings.FRONTEND_DIST


def mount_frontend(app: FastAPI) -> bool:
    """Serve the build at / when there is one; call it after every route is added."""
    dist = frontend_dist()
    if not (dist / INDEX).is_file():
        logger.warning("No frontend build in %s: serving the API only.", dist)
        return False
    app.mount("/", SinglePageApp(dist, settings.API_V1_STR), name="frontend")
    return True
