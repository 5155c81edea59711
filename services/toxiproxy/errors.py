"""Errors the API reports, with Toxiproxy's status codes and messages."""

from __future__ import annotations

__all__ = [
    "ApiError",
    "bad_body",
    "invalid_stream",
    "invalid_toxic_type",
    "missing_field",
    "proxy_exists",
    "proxy_not_found",
    "toxic_exists",
    "toxic_not_found",
]


class ApiError(Exception):
    """An error answered as ``{"error": message, "status": status}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_body(reason: str) -> ApiError:
    return ApiError(400, f"bad request body: {reason}")


def missing_field(name: str, suffix: str = "") -> ApiError:
    return ApiError(400, f"missing required field: {name}{suffix}")


def proxy_not_found() -> ApiError:
    return ApiError(404, "proxy not found")


def proxy_exists() -> ApiError:
    return ApiError(409, "proxy already exists")


def invalid_stream() -> ApiError:
    return ApiError(400, "stream was invalid, can be either upstream or downstream")


def invalid_toxic_type() -> ApiError:
    return ApiError(400, "invalid toxic type")


def toxic_exists() -> ApiError:
    return ApiError(409, "toxic already exists")


def toxic_not_found() -> ApiError:
    return ApiError(404, "toxic not found")
