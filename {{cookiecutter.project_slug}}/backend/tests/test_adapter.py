"""The uvicorn adapter (app/realtime/uvicorn.py) is an extra, never a condition: without it the
socket keeps its promises on uvicorn's own protocol, as on any ASGI server."""

import importlib
import os
import subprocess
import sys

import pytest
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from app.core.config import settings
from app.realtime.serving import websocket_protocol
from tests.conftest import BACKEND_DIR

ADAPTER = "app.realtime.uvicorn"


def test_the_launcher_serves_the_socket_with_the_adapter() -> None:
    assert websocket_protocol(settings) == {
        "ws": f"{ADAPTER}:SessionWebSocketProtocol",
        "ws_max_size": settings.WS_MAX_MESSAGE_BYTES,
    }


def test_an_adapter_that_does_not_fit_uvicorn_does_not_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(WebSocketsSansIOProtocol, "send_receive_event_to_app")
    # Imported already unless this process ran no test that imports it (pytest-xdist).
    monkeypatch.delitem(sys.modules, ADAPTER, raising=False)
    with pytest.raises(ImportError, match="send_receive_event_to_app"):
        importlib.import_module(ADAPTER)


def test_without_the_adapter_the_launcher_says_so_and_serves_uvicorns_own(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, ADAPTER, None)  # as when it does not load
    assert websocket_protocol(settings) == {"ws": "websockets-sansio"}
    assert "uvicorn's own protocol" in capsys.readouterr().err
    monkeypatch.setattr(settings, "WS_UVICORN_ADAPTER", False)
    monkeypatch.delitem(sys.modules, ADAPTER)
    assert websocket_protocol(settings) == {"ws": "websockets-sansio"}


def test_the_socket_suite_passes_on_uvicorns_own_protocol() -> None:
    """tests/test_socket.py and the message limit again, in a run of their own whose servers
    have WS_UVICORN_ADAPTER=false; only the adapter's extras (marked `adapter`) are left out."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    run = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not adapter"),
            "tests/test_socket.py",
            "tests/test_limits.py::test_a_message_at_the_limit_is_served",
            "tests/test_limits.py::test_a_message_over_the_limit_gets_message_too_big_and_1009",
        ],
        cwd=BACKEND_DIR,
        env={**env, "WS_UVICORN_ADAPTER": "false"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
