from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy import text

from app.api.deps import DatabaseDep

router = APIRouter(tags=["health"])

UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "The database cannot be reached",
        "content": {
            "application/json": {"example": {"status": "unavailable", "database": "unreachable"}}
        },
    }
}


@router.get("/health", responses=UNAVAILABLE)
async def health(db: DatabaseDep, response: Response) -> dict[str, str]:
    """For load balancers and probes: 200 when the app can reach its database."""
    try:
        await db.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database is "unavailable"
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "database": "unreachable"}
    return {"status": "ok", "database": "ok"}
