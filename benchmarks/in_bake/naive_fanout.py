"""The naive fan-out: one room in one process, delivered by a plain loop over its members.

It speaks just enough of the rooms protocol (`join`, `publish`; no token) for the benchmark's
fan-out client to drive it exactly as it drives the app, and its `update` frames carry the same
fields as the app's so both send frames of the same size.
"""

import json
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

members: list[WebSocket] = []
last_seq = 0
# Stands in for the authenticated sender the app names in each update.
SENDER = {"id": str(uuid.uuid4()), "email": "loadtest-0123456789ab@example.com"}


def reply(state: str, data: dict[str, Any], request: dict[str, Any]) -> str:
    return json.dumps({"state": state, "data": data, "id": request.get("id")})


async def publish(room: str, payload: Any) -> int:
    global last_seq
    last_seq += 1
    data = {"seq": last_seq, "room": room, "sender": SENDER, "payload": payload}
    text = json.dumps({"state": "update", "data": data})
    for ws in members:
        await ws.send_text(text)
    return last_seq


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            request = json.loads(await websocket.receive_text())
            data = request.get("data", {})
            if request.get("state") == "join":
                members.append(websocket)
                await websocket.send_text(reply("joined", {"room": data["room"]}, request))
            elif request.get("state") == "publish":
                seq = await publish(data["room"], data["payload"])
                await websocket.send_text(reply("published", {"seq": seq}, request))
    except WebSocketDisconnect:
        pass
    finally:
        if websocket in members:
            members.remove(websocket)


app = Starlette(routes=[WebSocketRoute("/api/v1/socket", socket)])
