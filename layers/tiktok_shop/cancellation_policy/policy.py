"""A shop's autopilot policy as data: the typed `Policy`, and its JSON form, validated field by field.

Amounts are `Decimal` and travel as JSON strings only ("50.00"), as TikTok sends refund amounts. A JSON
number is refused rather than converted: by the time this module sees it, `json.loads` has made it a float
and may already have lost digits (12345678901234567.89), so converting could not promise the amount the
seller wrote.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final, NoReturn, TypeGuard

from tiktok_shop.validation import describe_kind, describe_value

# The margin a policy gets when it names none: time for the queue and the approval call, with room to spare,
# against TikTok's shortest window seen (1 hour, a US seller's choice).
DEFAULT_DEADLINE_MARGIN: Final = 15 * 60
# A week: no TikTok window comes near. Catches a margin written in milliseconds.
MAX_DEADLINE_MARGIN: Final = 7 * 24 * 3600
_CURRENCY_PATTERN: Final = re.compile(r"[A-Z]{3}")  # ISO 4217 alphabetic codes, as TikTok sends them
# Plain decimal text: no sign, exponent, NaN or Infinity; at most 18 digits each side of the point.
_AMOUNT_PATTERN: Final = re.compile(r"[0-9]{1,18}(\.[0-9]{1,18})?")
_MAX_REASON_LENGTH: Final = 200
_MAX_VERSION_LENGTH: Final = 64
_MAX_POLICY_TEXT: Final = 64 * 1024


class Mode(StrEnum):
    OFF = "off"  # the autopilot neither decides nor records for this shop
    OBSERVE = "observe"  # decide and record what it would do; never approve (a dry run)
    APPROVE = "approve"  # decide, record, and approve what the rules allow


class PolicyError(ValueError):
    """The policy is unreadable or invalid. The caller fails closed: nothing is approved for that shop.
    `field` names the field at fault ("refund_limits.USD.max") where there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class RefundRange:
    """The refund totals, in one currency, the autopilot may approve: `minimum` <= total <= `maximum`."""

    minimum: Decimal
    maximum: Decimal

    def __contains__(self, amount: object) -> bool:
        return isinstance(amount, Decimal) and self.minimum <= amount <= self.maximum


@dataclass(frozen=True)
class Policy:
    """One shop's rules (or the deployment's default).

    - `allowed_reasons`: TikTok's `cancel_reason` keys the autopilot may approve. Empty: any reason that is
      not refused.
    - `refused_reasons`: keys that always go to a person. No key may be in both lists.
    - `refund_limits`: currency -> range of `refund_amount.refund_total`. A currency without a range goes to
      a person, so an empty table approves nothing.
    - `deadline_margin`: seconds before TikTok's response deadline from which the autopilot leaves the
      decision to TikTok.
    - `version`: the stored policy's version, recorded with each decision.
    - `approve_only_before_shipping`: approve only while Get Order Detail shows the order unpaid, on hold
      or awaiting shipment; a packed, shipped or unknown order goes to a person.
    """

    mode: Mode
    version: int | str
    allowed_reasons: frozenset[str] = frozenset()
    refused_reasons: frozenset[str] = frozenset()
    refund_limits: Mapping[str, RefundRange] = field(default_factory=lambda: MappingProxyType({}))
    deadline_margin: int = DEFAULT_DEADLINE_MARGIN
    approve_only_before_shipping: bool = False

    def __post_init__(self) -> None:
        # A mode given as text ("off") is made the enum: the rules compare by identity, and "off" must never
        # read as something other than off. Frozen all the way down: a policy shared by every decision of a
        # warm process is never edited.
        object.__setattr__(self, "mode", Mode(self.mode))
        object.__setattr__(self, "refund_limits", MappingProxyType(dict(self.refund_limits)))


# New shops start here: observe, so a seller sees what would be approved before turning approval on.
DEFAULT_POLICY: Final = Policy(mode=Mode.OBSERVE, version="default")

_FIELDS: Final = (
    "version",
    "mode",
    "allowed_reasons",
    "refused_reasons",
    "refund_limits",
    "deadline_margin",
    "approve_only_before_shipping",
)
_REQUIRED: Final = ("version", "mode")


def policy_from_text(text: str | bytes) -> Policy:
    """The policy in a JSON document (a file, a stored item's attribute). Raises PolicyError."""
    if len(text) > _MAX_POLICY_TEXT:
        raise PolicyError(f"the policy is {len(text)} characters long, over the limit of {_MAX_POLICY_TEXT}")
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise PolicyError("the policy's JSON is nested too deeply") from None
    except ValueError as error:  # includes UnicodeDecodeError
        raise PolicyError(f"the policy is not JSON: {error}") from None
    return policy_from_json(document)


def policy_from_json(obj: object) -> Policy:
    """The policy in a JSON object as `json.loads` returns it. Raises PolicyError naming the field at fault:
    unknown or missing keys, wrong types, negative or malformed amounts, a minimum over its maximum, a
    currency that is not three capital letters, a reason both allowed and refused."""
    if not isinstance(obj, Mapping):
        raise PolicyError(f"the policy must be a JSON object (got {describe_kind(obj)})")
    unknown = sorted(str(key) for key in obj if key not in _FIELDS)
    if unknown:
        raise PolicyError(
            f"the policy has unknown fields {unknown}; the fields are {list(_FIELDS)}", field=unknown[0]
        )
    for name in _REQUIRED:
        if name not in obj:
            raise PolicyError(f"the policy lacks {name}", field=name)
    allowed = _reasons("allowed_reasons", obj.get("allowed_reasons", []))
    refused = _reasons("refused_reasons", obj.get("refused_reasons", []))
    both = sorted(allowed & refused)
    if both:
        raise PolicyError(f"reasons both allowed and refused: {both}", field="allowed_reasons")
    return Policy(
        mode=_mode(obj["mode"]),
        version=_version(obj["version"]),
        allowed_reasons=allowed,
        refused_reasons=refused,
        refund_limits=_refund_limits(obj.get("refund_limits", {})),
        deadline_margin=_margin(obj.get("deadline_margin", DEFAULT_DEADLINE_MARGIN)),
        approve_only_before_shipping=_flag(
            "approve_only_before_shipping", obj.get("approve_only_before_shipping", False)
        ),
    )


def policy_to_json(policy: Policy) -> dict[str, Any]:
    """The JSON object `policy_from_json` reads back into an equal policy; lists sorted, amounts as text."""
    return {
        "version": policy.version,
        "mode": policy.mode.value,
        "allowed_reasons": sorted(policy.allowed_reasons),
        "refused_reasons": sorted(policy.refused_reasons),
        "refund_limits": {
            currency: {"min": str(limits.minimum), "max": str(limits.maximum)}
            for currency, limits in sorted(policy.refund_limits.items())
        },
        "deadline_margin": policy.deadline_margin,
        "approve_only_before_shipping": policy.approve_only_before_shipping,
    }


def _mode(value: object) -> Mode:
    if not isinstance(value, str) or value not in Mode.__members__.values():
        _fail("mode", f"mode must be one of {[m.value for m in Mode]} (got {describe_value(value)})")
    return Mode(value)


def _version(value: object) -> int | str:
    if _is_int(value):
        if value < 0:
            _fail("version", "version must not be negative")
        return value
    if not isinstance(value, str):
        _fail("version", f"version must be a whole number or text (got {describe_kind(value)})")
    if not value.strip() or len(value) > _MAX_VERSION_LENGTH or not value.isprintable():
        _fail("version", f"version must be 1 to {_MAX_VERSION_LENGTH} printable characters")
    return value


def _reasons(name: str, value: object) -> frozenset[str]:
    if not isinstance(value, list):
        _fail(name, f"{name} must be a list of cancel_reason keys (got {describe_kind(value)})")
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item) > _MAX_REASON_LENGTH:
            _fail(
                name,
                f"{name} must hold cancel_reason keys of 1 to {_MAX_REASON_LENGTH} characters"
                f" (got {describe_value(item)})",
            )
    return frozenset(value)


def _refund_limits(value: object) -> Mapping[str, RefundRange]:
    if not isinstance(value, Mapping):
        _fail("refund_limits", f"refund_limits must be an object by currency (got {describe_kind(value)})")
    return {str(currency): _refund_range(currency, limits) for currency, limits in value.items()}


def _refund_range(currency: object, value: object) -> RefundRange:
    if not isinstance(currency, str) or not _CURRENCY_PATTERN.fullmatch(currency):
        _fail(
            "refund_limits",
            "refund_limits' currencies must be 3 capital letters such as USD"
            f" (got {describe_value(currency)})",
        )
    where = f"refund_limits.{currency}"
    if not isinstance(value, Mapping):
        _fail(where, f"{where} must be an object with max and optionally min (got {describe_kind(value)})")
    unknown = sorted(str(key) for key in value if key not in ("min", "max"))
    if unknown:
        _fail(where, f"{where} has unknown fields {unknown}; the fields are ['min', 'max']")
    if "max" not in value:
        _fail(f"{where}.max", f"{where} lacks max: every currency the autopilot approves has a ceiling")
    minimum = _amount(f"{where}.min", value.get("min", "0"))
    maximum = _amount(f"{where}.max", value["max"])
    if minimum > maximum:
        _fail(where, f"{where}.min ({minimum}) is over {where}.max ({maximum})")
    return RefundRange(minimum=minimum, maximum=maximum)


def _amount(name: str, value: object) -> Decimal:
    if not isinstance(value, str):
        _fail(
            name,
            f'{name} must be decimal text such as "50.00", not {describe_kind(value)}:'
            " a JSON number may have lost digits before it is read",
        )
    if value.startswith("-"):
        _fail(name, f"{name} must not be negative (got {describe_value(value)})")
    if not _AMOUNT_PATTERN.fullmatch(value):
        _fail(
            name,
            f'{name} must be decimal digits with an optional fraction, such as "50.00"'
            f" (got {describe_value(value)})",
        )
    return Decimal(value)


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        _fail(name, f"{name} must be true or false (got {describe_kind(value)})")
    return value


def _margin(value: object) -> int:
    if not _is_int(value):
        _fail("deadline_margin", f"deadline_margin must be whole seconds (got {describe_kind(value)})")
    if not 0 <= value <= MAX_DEADLINE_MARGIN:
        _fail(
            "deadline_margin",
            f"deadline_margin must be from 0 to {MAX_DEADLINE_MARGIN} seconds (got {value})",
        )
    return value


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _fail(field_name: str, message: str) -> NoReturn:
    raise PolicyError(message, field=field_name)
