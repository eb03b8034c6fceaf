"""This worker's room hub, on the engine picked for the project."""

from app.core.config import settings
from app.rooms.hub import RoomHub
{% if cookiecutter.realtime_broker == "redis" -%}
from app.rooms.redis import RedisBroker

hub = RoomHub(RedisBroker, history_size=settings.WS_ROOM_HISTORY)
{%- else -%}
from app.rooms.memory import MemoryBroker

hub = RoomHub(MemoryBroker, history_size=settings.WS_ROOM_HISTORY)
{%- endif %}
