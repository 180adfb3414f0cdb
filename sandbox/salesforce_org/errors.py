"""Salesforce's REST error bodies: a JSON list of ``{"message", "errorCode", ...}``.

Clients (simple-salesforce among them) branch on ``errorCode`` and the HTTP
status, so both are reproduced exactly; ``fields`` is present where Salesforce
includes it (DML errors), absent where it does not (session, query, not found).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

NOT_FOUND_MESSAGE = "The requested resource does not exist"


class ApiError(Exception):
    """An error answered as Salesforce would: status code plus error list."""

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        fields: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        entry: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            entry["fields"] = self.fields
        return [entry]

    def response(self) -> Response:
        resp = jsonify(self.body())
        resp.status_code = self.status
        return resp


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", NOT_FOUND_MESSAGE)


def invalid_session() -> Response:
    """The 401 every API endpoint answers for a missing, expired or revoked token."""
    resp = jsonify([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    resp.status_code = 401
    resp.headers["WWW-Authenticate"] = "Token"
    return resp
