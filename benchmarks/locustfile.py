"""Signed-in users of the HTTP API, for Locust: each logs in once, then reads its account now and
then. Run by benchmarks/run.sh (--only locust) against a PostgreSQL bake, with the accounts'
emails in the file LOCUST_ACCOUNTS and their one password in LOCUST_PASSWORD.

A 503 or 429 with Retry-After is the server saying "not now": the user waits that long and tries
again, as a client should, and the answer is counted apart (as "... (told to wait)"), not as a
failure. A failure is any other answer than the expected one, a timeout or a broken connection.
"""

import itertools
import os
import time
from pathlib import Path

from locust import HttpUser, between, task

API = "/api/v1"
ACCOUNTS = itertools.cycle(Path(os.environ["LOCUST_ACCOUNTS"]).read_text().split())
PASSWORD = os.environ["LOCUST_PASSWORD"]
TOLD_TO_WAIT = (429, 503)


class SignedInUser(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.token = ""
        email = next(ACCOUNTS)
        while not self.token:
            with self.client.post(
                f"{API}/login/oauth",
                data={"username": email, "password": PASSWORD},
                name="POST /login/oauth",
                catch_response=True,
            ) as response:
                if response.status_code == 200:
                    self.token = response.json()["access_token"]
                elif response.status_code in TOLD_TO_WAIT and "Retry-After" in response.headers:
                    response.request_meta["name"] = "POST /login/oauth (told to wait)"
                    response.success()
                    time.sleep(float(response.headers["Retry-After"]))
                else:
                    response.failure(f"{response.status_code}: {response.text[:200]}")
                    self.stop()
                    return

    @task
    def read_my_account(self) -> None:
        with self.client.get(
            f"{API}/users/me",
            headers={"Authorization": f"Bearer {self.token}"},
            name="GET /users/me",
            catch_response=True,
        ) as response:
            if response.status_code in TOLD_TO_WAIT and "Retry-After" in response.headers:
                response.request_meta["name"] = "GET /users/me (told to wait)"
                response.success()
                time.sleep(float(response.headers["Retry-After"]))
            elif response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
