"""What the API adapter reads of an API Gateway REST proxy event (payload 1.0), checked for shape.

REST APIs hand the path over still percent-encoded, and the query string and headers decoded. A repeated
header or query parameter appears in `multiValueHeaders` / `multiValueQueryStringParameters` with every
value, and in `headers` / `queryStringParameters` with the last one; tests and hand-written events may fill
either map, so both are read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# The event's maps of names to values; null when the request had none.
_MAPS = (
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
)


class MalformedEvent(ValueError):
    """Not a REST proxy event: API Gateway never sends one, but a hand-written or test event may."""


@dataclass(frozen=True)
class RestRequest:
    method: str
    path: str  # as API Gateway gives it: percent-encoded
    request_time_epoch_ms: int | None
    _event: dict[str, Any]

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> RestRequest:
        method, path, context = event.get("httpMethod"), event.get("path"), event.get("requestContext")
        if not isinstance(method, str) or not isinstance(path, str) or not isinstance(context, dict):
            raise MalformedEvent("httpMethod, path or requestContext is missing or of the wrong kind")
        for name in _MAPS:
            if not isinstance(event.get(name) or {}, dict):
                raise MalformedEvent(f"{name} is not an object")
        epoch = context.get("requestTimeEpoch")
        # Absent from a hand-written event: then only the invocation's own deadline applies.
        known_epoch = epoch if isinstance(epoch, int) and not isinstance(epoch, bool) else None
        return cls(method=method, path=path, request_time_epoch_ms=known_epoch, _event=event)

    @property
    def path_parameters(self) -> dict[str, Any]:
        """What `pathParameters` says of the path: API Gateway fills it from the path; a hand-made event may
        leave it out or null (empty then). The path decides; this only tells whether the event agrees."""
        parameters: dict[str, Any] = self._event.get("pathParameters") or {}
        return parameters

    def header_values(self, name: str) -> list[str]:
        """Every value of header `name`, in any case (HTTP header names are case-insensitive)."""
        return self._values("headers", "multiValueHeaders", lambda key: key.lower() == name.lower())

    def query_values(self, name: str) -> list[str]:
        """Every value of query parameter `name` (case-sensitive, as API Gateway keeps it)."""
        return self._values(
            "queryStringParameters", "multiValueQueryStringParameters", lambda key: key == name
        )

    def _values(self, single: str, multiple: str, wanted: Callable[[str], bool]) -> list[str]:
        values: list[Any] = []
        for key, value in (self._event.get(single) or {}).items():
            if isinstance(key, str) and wanted(key):
                values.append(value)
        for key, value in (self._event.get(multiple) or {}).items():
            if isinstance(key, str) and wanted(key):
                if not isinstance(value, list):
                    raise MalformedEvent(f"{multiple}[{key!r}] is not a list")
                values.extend(value)
        if not all(isinstance(value, str) for value in values):
            raise MalformedEvent(f"a value of {single} or {multiple} is not text")
        return values
