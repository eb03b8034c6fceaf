"""The floor: a bare Starlette websocket endpoint that parses each JSON frame and answers it.

No authentication, no validation, no send queue: what answering JSON over a websocket costs on
this stack at the least. Served by the bake's uvicorn with the app's socket settings
(benchmarks/servers.py), at the app's path, so one client serves both.
"""

import json
from typing import Any

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            request = json.loads(await websocket.receive_text())
            reply: dict[str, Any] = {"state": "pong", "data": request.get("data", {})}
            if "id" in request:
                reply["id"] = request["id"]
            await websocket.send_text(json.dumps(reply))
    except WebSocketDisconnect:
        pass


app = Starlette(routes=[WebSocketRoute("/api/v1/socket", socket)])
