"""The session socket's settings, part of the project's Settings (app.core.config): each one is
read from the project's .env or the environment, under the same name."""

from pydantic_settings import BaseSettings


class RealtimeSettings(BaseSettings):
    # Seconds a new socket has to send its token.
    WS_AUTH_TIMEOUT: float = 10.0
    # Seconds between checks that a socket's user is still active and its sign-in not ended:
    # the sockets of an ended sign-in (logout, a password change...) close within this.
    WS_USER_RECHECK: float = 5.0
    # A bigger frame closes the socket (1009); the server refuses it before reading it whole.
    WS_MAX_MESSAGE_BYTES: int = 65536
    # Messages a second one socket may send, sustained, and in a burst above that.
    WS_RATE_LIMIT: float = 30.0
    WS_RATE_BURST: int = 60
    # Open sockets one user may have on one server process.
    WS_MAX_SOCKETS_PER_USER: int = 10
    # Sockets one client address may hold open before sending their token, on one process.
    WS_MAX_UNAUTHENTICATED_PER_ADDRESS: int = 20
    # Seconds without a message from the client before its socket is closed.
    WS_IDLE_TIMEOUT: float = 300.0
    # Seconds between protocol pings, and to wait for the answer before dropping the peer.
    WS_PING_INTERVAL: float = 20.0
    WS_PING_TIMEOUT: float = 20.0
    # Seconds the sockets have, on shutdown, to flush and close before they are cut.
    WS_SHUTDOWN_TIMEOUT: int = 10
    # `python -m app` serves the socket with app/realtime/uvicorn.py, uvicorn's protocol with
    # its fan-out shortcut and a 1001 shutdown; false: uvicorn's own, as any ASGI server would.
    WS_UVICORN_ADAPTER: bool = True
    # Messages waiting to be sent to one socket before it counts as too slow.
    WS_SEND_QUEUE: int = 256
    # Updates a room keeps, for members who rejoin with `since`, and the most bytes they take.
    WS_ROOM_HISTORY: int = 1000
    WS_ROOM_HISTORY_BYTES: int = 1_048_576
    # Rooms one socket may be in at once, and rooms one server process serves at once.
    WS_ROOMS_PER_SOCKET: int = 20
    WS_ROOMS_PER_WORKER: int = 10_000
    # Seconds an empty room keeps its updates in memory (the engine of one process) for members
    # who come back, before they are freed.
    WS_ROOM_FREED_AFTER: float = 300.0
    # Rooms one user may own.
    ROOMS_PER_USER: int = 50
