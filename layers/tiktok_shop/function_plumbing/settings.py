"""A function's settings, read from its environment into a frozen dataclass, checked once at start.

Each field is one variable, named as the field in capitals (`batch_concurrency`: BATCH_CONCURRENCY), read
as the field's type (text, a whole number or a number, optionally None) and held to the bounds `variable()`
gives it. A variable that is unset or empty counts as not given: `sam local` passes every variable the
template names, unset ones as "". Every bad variable is reported in one SettingsError, in words.

Written for the Lambda functions, without pydantic: the functions' cold start does not pay for it.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import typing
from collections.abc import Mapping, Sequence
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, TypeVar, Union

import boto3

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = [
    "AWS_VARIABLES",
    "SettingsError",
    "aws_environment",
    "aws_session",
    "forget_aws_session",
    "read_environment",
    "variable",
]

SettingsT = TypeVar("SettingsT", bound="DataclassInstance")

# What boto3 reads to decide where and as whom it connects. Functions cache the clients they build per
# value of these, so a test or a local stack that points the same process at another endpoint gets new ones.
AWS_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID")

_BOUNDS = "function_plumbing.settings.bounds"


class SettingsError(RuntimeError):
    """The function's environment cannot be used; the message names each bad variable and why."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("invalid function environment: " + "; ".join(problems))
        self.problems = tuple(problems)


@dataclasses.dataclass(frozen=True)
class _Bounds:
    at_least: float | None = None
    at_most: float | None = None
    min_length: int | None = None


def variable(
    default: Any = dataclasses.MISSING,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
    min_length: int | None = None,
) -> Any:
    """A settings field: its default (none: the variable is required) and the bounds a value must keep."""
    bounds = _Bounds(at_least=at_least, at_most=at_most, min_length=min_length)
    return dataclasses.field(default=default, metadata={_BOUNDS: bounds})


class _Variable(typing.NamedTuple):
    field: str
    name: str
    kind: type
    bounds: _Bounds
    required: bool


@functools.cache
def _variables(settings: type[DataclassInstance]) -> tuple[_Variable, ...]:
    """What each field reads, worked out once per class: the functions read their settings at every
    invocation (a changed environment is honoured), and resolving the annotations costs about 1 ms."""
    types = typing.get_type_hints(settings)
    return tuple(
        _Variable(
            field=field.name,
            name=field.name.upper(),
            kind=_value_type(types[field.name]),  # a field it cannot read fails even when unset
            bounds=field.metadata.get(_BOUNDS, _Bounds()),
            required=field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING,
        )
        for field in dataclasses.fields(settings)
    )


def read_environment(settings: type[SettingsT], environ: Mapping[str, str]) -> SettingsT:
    """The `settings` dataclass from `environ`. Checks that involve several variables belong in the
    dataclass's `__post_init__`, raising SettingsError: they run once every variable is well-formed."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for spec in _variables(settings):
        text = environ.get(spec.name)
        if not text:
            if spec.required:
                problems.append(f"{spec.name}: must be set")
            continue
        try:
            values[spec.field] = _read(text, spec.kind, spec.bounds)
        except ValueError as error:
            problems.append(f"{spec.name}: {error} (got {json.dumps(text, ensure_ascii=False)})")
    if problems:
        raise SettingsError(problems)
    return settings(**values)


def aws_environment(environ: Mapping[str, str] | None = None) -> tuple[str | None, ...]:
    """The values of AWS_VARIABLES, in order, None where unset: a cache key for AWS clients."""
    source = os.environ if environ is None else environ
    return tuple(source.get(name) for name in AWS_VARIABLES)


def aws_session() -> boto3.session.Session:
    """One boto3 session per AWS environment, for every client a function builds."""
    return _session_for(aws_environment())


def forget_aws_session() -> None:
    """The next aws_session() is a new one (tests swapping the AWS backend under an unchanged environment)."""
    _session_for.cache_clear()


@functools.lru_cache(maxsize=1)
def _session_for(environment: tuple[str | None, ...]) -> boto3.session.Session:
    return boto3.session.Session()


def _value_type(annotation: Any) -> type:
    """`int` for `int`, `str` for `str | None`: the type a given variable is read as."""
    if typing.get_origin(annotation) in (Union, UnionType):
        kinds = [kind for kind in typing.get_args(annotation) if kind is not NoneType]
        if len(kinds) == 1:
            annotation = kinds[0]
    if annotation not in (str, int, float):
        raise TypeError(f"a setting is text, a whole number or a number, not {annotation!r}")
    return typing.cast(type, annotation)


def _read(text: str, kind: type, bounds: _Bounds) -> str | int | float:
    if kind is str:
        if bounds.min_length is not None and len(text) < bounds.min_length:
            raise ValueError(f"must be at least {bounds.min_length} characters long")
        return text
    whole = kind is int
    try:
        number: int | float = int(text) if whole else float(text)
    except ValueError:
        raise ValueError(_expected(whole, bounds)) from None
    in_bounds = (bounds.at_least is None or number >= bounds.at_least) and (
        bounds.at_most is None or number <= bounds.at_most
    )
    # float() reads "inf" and "nan" too: no timeout or rate is meant by them.
    if not (math.isfinite(number) and in_bounds):
        raise ValueError(_expected(whole, bounds))
    return number


def _expected(whole: bool, bounds: _Bounds) -> str:
    noun = "a whole number" if whole else "a number"
    low, high = bounds.at_least, bounds.at_most
    if low is not None and high is not None:
        return f"must be {noun} from {low:g} to {high:g}"
    if low is not None:
        return f"must be {noun} of at least {low:g}"
    if high is not None:
        return f"must be {noun} of at most {high:g}"
    return f"must be {noun}"
