"""The HTTP API does what its OpenAPI description says, checked by Schemathesis against a real
server: no server error, no status it does not document, no answer off its schema, nothing
invalid accepted, and its stateful phase (one answer's values in the next request).

One check stays off: `positive_data_acceptance` expects every request that fits the schema to
be accepted, and rules JSON Schema cannot state (the password, a common password, an address
that cannot receive mail, a link used once) refuse some of them on purpose.

The suite's run is small (SCHEMATHESIS_EXAMPLES, 10 a route); scripts/fuzz_api.sh runs more.
"""

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import database_of_its_own, running_server

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# Logging out (everywhere) would end the session the run is signed in with.
LEFT_OUT = "logout"


def test_the_api_holds_to_its_description(database: None) -> None:
    from app.core.config import settings

    # A server and a database of their own: the run changes users, passwords included.
    with (
        database_of_its_own("schemathesis") as env,
        running_server("schemathesis", env=env) as server,
    ):
        form = {"username": settings.FIRST_SUPERUSER, "password": settings.FIRST_SUPERUSER_PASSWORD}
        signed_in = httpx.post(f"{server.url}/api/v1/login/oauth", data=form)
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["access_token"]
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                f"{server.url}/api/v1/openapi.json",
                "--checks",
                "all",
                "--exclude-checks",
                "positive_data_acceptance",
                "--exclude-path-regex",
                LEFT_OUT,
                "--header",
                f"Authorization: Bearer {token}",
                "--max-examples",
                str(EXAMPLES),
                "--request-timeout",
                "10",
                "--generation-database",
                "none",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "NO_COLOR": "1"},
        )
    summary = run.stdout[-6000:]
    assert run.returncode == 0, f"Schemathesis found failures:\n{summary}\n{run.stderr[-2000:]}"
    assert "passed" in summary, summary
