import json
from typing import Any


class RecordingSink:
    """Stands in for a socket's outbox: keeps what would have been sent."""

    def __init__(self) -> None:
        self.frames: list[str] = []
        self.close_code: int | None = None

    def send(self, frame: str, *, requested: bool = False) -> None:
        if self.close_code is None:
            self.frames.append(frame)

    def close(self, code: int, reason: str = "") -> None:
        self.close_code = code

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(frame) for frame in self.frames]

    def take(self) -> list[dict[str, Any]]:
        taken = self.messages
        self.frames.clear()
        return taken
