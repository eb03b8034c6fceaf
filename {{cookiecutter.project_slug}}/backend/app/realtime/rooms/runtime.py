"""This worker's room hub, on the engine picked for the project."""

from app.core.config import settings
from app.realtime.rooms.broker import History
from app.realtime.rooms.hub import RoomHub
{% if cookiecutter.realtime_broker == "redis" -%}
from app.realtime.rooms.redis import RedisBroker
from app.realtime.rooms.redis_cluster import RedisClusterBroker

BROKER = RedisClusterBroker if settings.REDIS_CLUSTER_URLS else RedisBroker
{%- else -%}
from app.realtime.rooms.memory import MemoryBroker

BROKER = MemoryBroker
{%- endif %}

hub = RoomHub(
    BROKER,
    History(settings.WS_ROOM_HISTORY, settings.WS_ROOM_HISTORY_BYTES),
    most_rooms=settings.WS_ROOMS_PER_WORKER,
)
