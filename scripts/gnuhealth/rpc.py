"""A minimal trytond JSON-RPC client, for tests, the demo and the bench to check what landed.

The adapter itself never uses it: it drives the UI, as it must for EMRs without
an API. Reading through the server's API is how tests see the EMR's own truth.
"""

from __future__ import annotations

import base64
import json
import urllib.request
from typing import Any

from scripts.gnuhealth.layout import Layout


class RpcError(RuntimeError):
    pass


class Rpc:
    def __init__(self, lay: Layout, login: str = "admin", password: str | None = None) -> None:
        self.url = f"{lay.url}{lay.database}/"
        self._login = login
        self._password = lay.password if password is None else password
        self._auth: str | None = None

    def _post(self, method: str, params: list) -> Any:
        body = json.dumps({"id": 1, "method": method, "params": params}).encode()
        headers = {"Content-Type": "application/json"}
        if self._auth:
            headers["Authorization"] = self._auth
        req = urllib.request.Request(self.url, body, headers)
        with urllib.request.urlopen(req, timeout=30) as resp:
            answer = json.loads(resp.read())
        if answer.get("error"):
            raise RpcError(str(answer["error"])[:300])
        return answer["result"]

    def login(self) -> Rpc:
        user_id, session = self._post(
            "common.db.login", [self._login, {"password": self._password}]
        )[:2]
        token = base64.b64encode(f"{self._login}:{user_id}:{session}".encode()).decode()
        self._auth = f"Session {token}"
        return self

    def call(self, model: str, method: str, *args: Any) -> Any:
        if self._auth is None:
            self.login()
        return self._post(f"model.{model}.{method}", [*args, {}])

    def search_read(self, model: str, domain: list, fields: list[str]) -> list[dict]:
        return self.call(model, "search_read", domain, 0, None, [["id", "ASC"]], fields)
