"""Every state the socket serves, registered in one place: a new module of states adds its
`register` here."""

from app.realtime import renewal, states
from app.realtime.registry import StateRegistry
from app.realtime.rooms import states as rooms


def make_registry() -> StateRegistry:
    registry = StateRegistry()
    states.register(registry)
    renewal.register(registry)
    rooms.register(registry)
    return registry


registry = make_registry()
