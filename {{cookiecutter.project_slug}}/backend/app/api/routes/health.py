from fastapi import APIRouter, Response, status
from sqlalchemy import text

from app.api.deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(db: SessionDep, response: Response) -> dict[str, str]:
    """For load balancers and probes: 200 when the app can reach its database."""
    try:
        await db.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database is "unavailable"
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "database": "unreachable"}
    return {"status": "ok", "database": "ok"}
