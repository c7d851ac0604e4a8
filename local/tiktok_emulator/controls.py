"""The emulator's controls over HTTP, for processes that cannot call its methods (the local stack and its
CLI, the e2e tests, curl). One endpoint calls any method named in CONTROLS:

    POST /__emulator/call/<control>    body: a JSON object of the method's keyword arguments (none: empty)
      200 {"result": <the method's result as JSON>}
      400 {"error": "..."}  not a JSON object, an argument the method does not take or needs, a value not of
                            its annotated type, or the method's own ValueError
      404 {"error": "..."}  a name not in CONTROLS: nothing runs
    GET  /__emulator/call              {"controls": [{"name", "call", "summary"}]}: the list, with arguments

Arguments are decoded by the method's annotations: JSON's own types for str, int, float, bool, None,
Literal, lists and objects, the emulator's types from their JSON form (DECODERS). Results are encoded in
one place, to_json. Control calls are not TikTok's: never recorded, never faulted, never rate limited.
"""

from __future__ import annotations

import collections.abc
import inspect
import json
import logging
import re
import reprlib
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Literal, TypeVar, Union

from tiktok_emulator.config import SellerSpec, sellers_from_json
from tiktok_emulator.faults import Fault, fault_from_json
from tiktok_emulator.shops import AuthorizedShop, shops_from_json
from tiktok_emulator.wire import Answer, IncomingRequest, json_answer

logger = logging.getLogger("tiktok_emulator")

_T = TypeVar("_T")

CONTROL_PREFIX: Final = "/__emulator/"
"""Every path under it is the emulator's own, none TikTok's."""
CALL_PATH: Final = "/__emulator/call"

CONTROLS: Final = (
    # cancellations
    "seed",
    "cancellations",
    "cancellation_state",
    "withdraw",
    "deauthorize_seller",
    "notify_authorization_expiring",
    "approve_elsewhere",
    "approvals",
    "forget_not_found",
    # buyers' requests made at run time, their orders, and the webhooks telling of every change
    "create_buyer_cancellation",
    "update_order",
    "configure_webhooks",
    "webhook_deliveries",
    "wait_for_webhooks",
    # what TikTok does with a repeated key, and its rate limit
    "set_repeated_key_mode",
    "set_rate_limit",
    "rate_limit_counts",
    # faults, the calls received, back to the start
    "inject_fault",
    "faults",
    "clear_faults",
    "calls",
    "clear_calls",
    "reset",
    # tokens, authorization codes, shops, sellers
    "access_token_of",
    "add_access_token",
    "expire_token",
    "revoke_token",
    "refresh_token_of",
    "refresh_token_expire_in",
    "issue_refresh_token",
    "expire_refresh_token",
    "issue_auth_code",
    "authorized_shops",
    "set_authorized_shops",
    "add_seller",
    "add_sellers",
    "seller",
    "sellers",
    # the Event API's webhook subscriptions
    "webhook_subscriptions",
)
"""The allow-list: the only TikTokEmulator methods reachable over HTTP, and the only names
local_stack.tiktok_admin.TikTokAdmin answers to. A new control is a method on TikTokEmulator, named here."""

DECODERS: Final[Mapping[object, Callable[[Any], object]]] = {
    Fault: fault_from_json,
    Sequence[AuthorizedShop]: shops_from_json,
    Sequence[SellerSpec]: sellers_from_json,
}
"""The emulator's own argument types, read from their JSON form (each raises ValueError naming the entry)."""


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Mismatch(Exception):
    """A value is not of the annotated type."""


def is_control_path(path: str) -> bool:
    return path.startswith(CONTROL_PREFIX)


def answer_control(emulator: object, request: IncomingRequest) -> Answer:
    path = request.path.rstrip("/")
    try:
        if path == CALL_PATH and request.method == "GET":
            return json_answer(200, {"controls": describe_controls(emulator)})
        if not path.startswith(CALL_PATH + "/"):
            raise _Refused(
                404,
                f"no {request.path}: the controls are POST {CALL_PATH}/<control>, listed by GET {CALL_PATH}",
            )
        if request.method != "POST":
            raise _Refused(405, f"{request.method} {request.path}: a control is called with POST")
        name = path.removeprefix(CALL_PATH + "/")
        if name not in CONTROLS:
            raise _Refused(404, f"no control {name!r}; the controls: {', '.join(CONTROLS)}")
        if request.query:
            raise _Refused(400, f"{name}: its arguments go in the body, as a JSON object, not in the query")
        result = _call(getattr(emulator, name), name, _arguments(request.body, name))
        return json_answer(200, {"result": result})
    except _Refused as refused:
        return json_answer(refused.status, {"error": str(refused)})


def _arguments(body: bytes, name: str) -> dict[str, object]:
    if not body.strip():
        return {}
    try:
        arguments = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _Refused(400, f"{name}: the body is not JSON ({error})") from None
    if not isinstance(arguments, dict):
        raise _Refused(
            400, f"{name}: the body must be a JSON object of arguments, got {reprlib.repr(arguments)}"
        )
    return arguments


def _call(method: Callable[..., object], name: str, arguments: dict[str, object]) -> object:
    """The method's result as JSON; _Refused for arguments it does not take, or refuses."""
    parameters = inspect.signature(method).parameters
    unknown = sorted(set(arguments) - set(parameters))
    if unknown:
        takes = ", ".join(parameters) or "none"
        raise _Refused(400, f"{name} takes no argument {', '.join(unknown)}; its arguments: {takes}")
    missing = [key for key, p in parameters.items() if p.default is p.empty and key not in arguments]
    if missing:
        raise _Refused(400, f"{name} needs the argument {', '.join(missing)}")
    try:
        hints = typing.get_type_hints(method)
        decoded = {}
        for key, value in arguments.items():
            try:
                decoded[key] = _decode(value, hints[key])
            except _Mismatch:
                expected = _annotation(parameters[key])
                raise ValueError(f"{key} must be {expected}, got {reprlib.repr(value)}") from None
        return to_json(method(**decoded))
    except ValueError as error:  # the method's own refusals, and the arguments' above
        raise _Refused(400, f"{name}: {error}") from None
    except Exception as error:  # a bug: said, and the server goes on
        logger.exception("control %s failed", name)
        raise _Refused(500, f"{name} failed: {type(error).__name__}: {error}") from None


def _decode(value: object, hint: object) -> object:
    """`value` as `hint` (a resolved annotation) says; _Mismatch when it is not of that type."""
    decoder = DECODERS.get(hint)
    if decoder is not None:
        return decoder(value)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType):
        return _one_of(value, args)
    if origin in (collections.abc.Sequence, list):
        return [_decode(item, args[0]) for item in _of_type(value, list)]
    if origin in (collections.abc.Mapping, dict):
        return {key: _decode(item, args[1]) for key, item in _of_type(value, dict).items()}
    if origin is Literal:
        if not any(type(value) is type(allowed) and value == allowed for allowed in args):
            raise _Mismatch
        return value
    scalar = _SCALARS.get(hint)
    if scalar is None:
        raise TypeError(f"a control's argument of type {hint!r} cannot be read from JSON; see DECODERS")
    return scalar(value)


def _one_of(value: object, options: tuple[object, ...]) -> object:
    if value is None and type(None) in options:
        return None
    for option in options:
        try:
            return _decode(value, option)
        except _Mismatch:
            continue
    raise _Mismatch


def _of_type(value: object, kind: type[_T]) -> _T:
    # Exactly: what json.loads makes is never a subclass, and True is no int here.
    if type(value) is not kind:
        raise _Mismatch
    return value


def _number(value: object) -> float:
    if type(value) is int or type(value) is float:
        return float(value)
    raise _Mismatch


_SCALARS: Final[Mapping[object, Callable[[object], object]]] = {
    str: lambda value: _of_type(value, str),
    int: lambda value: _of_type(value, int),
    bool: lambda value: _of_type(value, bool),
    float: _number,
    type(None): lambda value: _of_type(value, type(None)),
    object: lambda value: value,
    Any: lambda value: value,
}


def to_json(value: object) -> object:
    """A control's result (or a client's argument) as JSON: the emulator's types by their to_json."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    encode = getattr(value, "to_json", None)
    if callable(encode):
        return encode()
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    raise TypeError(f"{type(value).__name__} has no JSON form (no to_json)")


def describe_controls(emulator: object) -> list[dict[str, str]]:
    """Each control's call, with its arguments as annotated, and the first sentence of its docstring.
    `emulator`: TikTokEmulator or one of them."""
    described = []
    for name in CONTROLS:
        method = getattr(emulator, name)
        parameters = [p for p in inspect.signature(method).parameters.values() if p.name != "self"]
        arguments = ", ".join(
            f"{p.name}: {_annotation(p)}" + ("" if p.default is p.empty else f" = {p.default!r}")
            for p in parameters
        )
        summary = " ".join((inspect.getdoc(method) or "").split("\n\n")[0].split())
        first = re.match(r"(.+?\.)(?=\s+[A-Z(`\"]|$)", summary)
        described.append(
            {"name": name, "call": f"{name}({arguments})", "summary": first[1] if first else summary}
        )
    return described


def _annotation(parameter: inspect.Parameter) -> str:
    annotation = parameter.annotation
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
