"""The autopilot's policy: its JSON form, validated field by field, and every rule of `decide`."""

import json
from decimal import Decimal
from typing import Any

import pytest
from cancellation_policy import (
    DEFAULT_DEADLINE_MARGIN,
    DEFAULT_POLICY,
    Decision,
    Mode,
    Policy,
    PolicyError,
    RefundRange,
    Verdict,
    decide,
    policy_from_json,
    policy_from_text,
    policy_to_json,
    unreadable_policy,
)
from tiktok_shop import Cancellation

NOW = 1_700_000_000
DEADLINE = NOW + 24 * 3600
MISTAKE = "ecom_order_to_ship_canceled_reason_created_by_mistakes"
CHANGED_MIND = "ecom_order_to_ship_canceled_reason_buyer_changed_mind"
PRICE = "ecom_order_to_ship_canceled_reason_better_price"

POLICY_JSON: dict[str, Any] = {
    "version": 3,
    "mode": "approve",
    "allowed_reasons": [MISTAKE, CHANGED_MIND],
    "refused_reasons": [PRICE],
    "refund_limits": {"USD": {"min": "1.00", "max": "50.00"}, "GBP": {"max": "40"}},
    "deadline_margin": 900,
}


def policy(**changes: Any) -> Policy:
    return policy_from_json({**POLICY_JSON, **changes})


def cancellation(**changes: Any) -> Cancellation:
    raw: dict[str, Any] = {
        "cancel_id": "4035318504086604100",
        "order_id": "577087614418520388",
        "cancel_type": "BUYER_CANCEL",
        "cancel_status": "CANCELLATION_REQUEST_PENDING",
        "role": "BUYER",
        "cancel_reason": MISTAKE,
        "seller_next_action_response": [{"action": "SELLER_RESPOND_CANCEL", "deadline": DEADLINE}],
        "refund_amount": {"currency": "USD", "refund_total": "12.30"},
    }
    raw.update(changes)
    return Cancellation.from_json({key: value for key, value in raw.items() if value is not None})


def refund(total: str | None, currency: str | None = "USD") -> dict[str, str]:
    return {key: value for key, value in (("refund_total", total), ("currency", currency)) if value}


def deadline_in(seconds: int) -> list[dict[str, Any]]:
    return [{"action": "SELLER_RESPOND_CANCEL", "deadline": NOW + seconds}]


# --- the policy's JSON ---------------------------------------------------------------------------------


def test_a_policy_reads_into_typed_fields():
    read = policy()
    assert read.mode is Mode.APPROVE
    assert read.version == 3
    assert read.allowed_reasons == {MISTAKE, CHANGED_MIND}
    assert read.refused_reasons == {PRICE}
    assert read.refund_limits["USD"] == RefundRange(minimum=Decimal("1.00"), maximum=Decimal("50.00"))
    assert read.refund_limits["GBP"] == RefundRange(minimum=Decimal(0), maximum=Decimal(40))  # min: 0
    assert read.deadline_margin == 900


def test_a_policy_round_trips_through_json():
    read = policy()
    written = policy_to_json(read)
    assert json.loads(json.dumps(written)) == written  # plain JSON: amounts are text
    assert written["refund_limits"]["USD"] == {"min": "1.00", "max": "50.00"}  # digits kept as written
    assert policy_from_json(written) == read
    assert policy_from_text(json.dumps(written)) == read
    assert policy_to_json(policy_from_json(written)) == written


def test_only_version_and_mode_are_required():
    read = policy_from_json({"version": "2026-12-04", "mode": "observe"})
    assert read == Policy(mode=Mode.OBSERVE, version="2026-12-04")
    assert read.deadline_margin == DEFAULT_DEADLINE_MARGIN
    assert (read.allowed_reasons, read.refused_reasons, dict(read.refund_limits)) == (set(), set(), {})


def test_the_default_policy_observes():
    assert DEFAULT_POLICY.mode is Mode.OBSERVE
    assert policy_from_json(policy_to_json(DEFAULT_POLICY)) == DEFAULT_POLICY
    # No refund ranges: it would approve nothing until the seller sets one, and says so.
    decision = decide(DEFAULT_POLICY, cancellation(), now=NOW)
    assert decision.verdict is Verdict.NEEDS_REVIEW
    assert decision.dry_run
    assert decision.policy_version == "default"
    assert decision.reasons == ("the policy has no refund range for 'USD'",)


def test_a_mode_given_as_text_is_the_mode():
    built = Policy(mode="off", version=1)  # type: ignore[arg-type]
    assert built.mode is Mode.OFF
    assert decide(built, cancellation(), now=NOW).verdict is Verdict.NOTHING_TO_DECIDE
    with pytest.raises(ValueError, match="'reject' is not a valid Mode"):
        Policy(mode="reject", version=1)  # type: ignore[arg-type]


def test_a_policy_cannot_be_edited():
    read = policy()
    with pytest.raises(AttributeError):
        read.mode = Mode.OFF  # type: ignore[misc]
    with pytest.raises(TypeError):
        read.refund_limits["EUR"] = RefundRange(Decimal(0), Decimal(1))  # type: ignore[index]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"colour": "red"}, "colour", r"unknown fields \['colour'\]"),
        ({"mode": "reject"}, "mode", r"mode must be one of \['off', 'observe', 'approve'\] \(got 'reject'\)"),
        ({"mode": None}, "mode", r"mode must be one of .* \(got null\)"),
        ({"version": True}, "version", r"version must be a whole number or text \(got true\)"),
        ({"version": 1.5}, "version", r"version must be a whole number or text \(got a number\)"),
        ({"version": -1}, "version", "version must not be negative"),
        ({"version": " "}, "version", "version must be 1 to 64 printable characters"),
        ({"version": "v" * 65}, "version", "version must be 1 to 64 printable characters"),
        ({"allowed_reasons": MISTAKE}, "allowed_reasons", r"allowed_reasons must be a list .* \(got text\)"),
        (
            {"allowed_reasons": [1]},
            "allowed_reasons",
            r"cancel_reason keys of 1 to 200 characters \(got a number\)",
        ),
        (
            {"refused_reasons": [""]},
            "refused_reasons",
            r"cancel_reason keys of 1 to 200 characters \(got ''\)",
        ),
        ({"refused_reasons": [MISTAKE]}, "allowed_reasons", "reasons both allowed and refused"),
        (
            {"refund_limits": []},
            "refund_limits",
            r"refund_limits must be an object by currency \(got a list\)",
        ),
        (
            {"refund_limits": {"usd": {"max": "1"}}},
            "refund_limits",
            r"3 capital letters such as USD \(got 'usd'\)",
        ),
        ({"refund_limits": {"US": {"max": "1"}}}, "refund_limits", "3 capital letters"),
        ({"refund_limits": {"USDT": {"max": "1"}}}, "refund_limits", "3 capital letters"),
        (
            {"refund_limits": {"USD": "50"}},
            "refund_limits.USD",
            r"must be an object with max .* \(got text\)",
        ),
        ({"refund_limits": {"USD": {"min": "1"}}}, "refund_limits.USD.max", "refund_limits.USD lacks max"),
        (
            {"refund_limits": {"USD": {"max": "1", "cap": "2"}}},
            "refund_limits.USD",
            r"unknown fields \['cap'\]",
        ),
        (
            {"refund_limits": {"USD": {"max": 50}}},
            "refund_limits.USD.max",
            "must be decimal text .* not a number",
        ),
        ({"refund_limits": {"USD": {"max": 0.1}}}, "refund_limits.USD.max", "may have lost digits"),
        ({"refund_limits": {"USD": {"max": "-1"}}}, "refund_limits.USD.max", "must not be negative"),
        (
            {"refund_limits": {"USD": {"min": "-0.01", "max": "1"}}},
            "refund_limits.USD.min",
            "must not be negative",
        ),
        (
            {"refund_limits": {"USD": {"max": "1e3"}}},
            "refund_limits.USD.max",
            r"such as \"50.00\" \(got '1e3'\)",
        ),
        ({"refund_limits": {"USD": {"max": "NaN"}}}, "refund_limits.USD.max", "decimal digits"),
        ({"refund_limits": {"USD": {"max": "Infinity"}}}, "refund_limits.USD.max", "decimal digits"),
        ({"refund_limits": {"USD": {"max": " 5"}}}, "refund_limits.USD.max", "decimal digits"),
        ({"refund_limits": {"USD": {"max": "1_000"}}}, "refund_limits.USD.max", "decimal digits"),
        ({"refund_limits": {"USD": {"max": "5."}}}, "refund_limits.USD.max", "decimal digits"),
        ({"refund_limits": {"USD": {"max": "9" * 19}}}, "refund_limits.USD.max", "decimal digits"),
        (
            {"refund_limits": {"USD": {"min": "50.01", "max": "50"}}},
            "refund_limits.USD",
            r"min \(50.01\) is over .*max \(50\)",
        ),
        (
            {"deadline_margin": "900"},
            "deadline_margin",
            r"deadline_margin must be whole seconds \(got text\)",
        ),
        ({"deadline_margin": 900.0}, "deadline_margin", "whole seconds"),
        ({"deadline_margin": False}, "deadline_margin", "whole seconds"),
        ({"deadline_margin": -1}, "deadline_margin", r"from 0 to 604800 seconds \(got -1\)"),
        ({"deadline_margin": 900_000}, "deadline_margin", "from 0 to 604800 seconds"),  # milliseconds
    ],
)
def test_an_invalid_policy_names_the_field(changes, field, message):
    with pytest.raises(PolicyError, match=message) as raised:
        policy(**changes)
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("document", "field", "message"),
    [
        ([], None, r"the policy must be a JSON object \(got a list\)"),
        (None, None, r"the policy must be a JSON object \(got null\)"),
        ({"mode": "observe"}, "version", "the policy lacks version"),
        ({"version": 1}, "mode", "the policy lacks mode"),
    ],
)
def test_a_policy_that_is_no_policy_is_refused(document, field, message):
    with pytest.raises(PolicyError, match=message) as raised:
        policy_from_json(document)
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the policy is not JSON"),
        ("{", "the policy is not JSON"),
        (b"\xff\xfe", "the policy is not JSON"),
        ('{"version": 1, "mode": "observe", "deadline_margin": NaN}', "NaN is not a JSON number"),
        ("[" * 100_000, "over the limit"),
        ("[" * 60_000, "nested too deeply"),
    ],
)
def test_unreadable_policy_text_is_refused(text, message):
    with pytest.raises(PolicyError, match=message):
        policy_from_text(text)


def test_an_unreadable_policy_fails_closed():
    with pytest.raises(PolicyError) as raised:
        policy(mode="auto")
    decision = unreadable_policy(raised.value)
    assert decision.verdict is Verdict.NEEDS_REVIEW
    assert not decision.approve
    assert decision.policy_version is None
    assert "nothing is approved: mode must be one of" in decision.reasons[0]


# --- the rules --------------------------------------------------------------------------------------------


def test_a_buyers_request_within_every_rule_is_approved_with_its_reasons():
    decision = decide(policy(), cancellation(), now=NOW)
    assert decision == Decision(
        verdict=Verdict.APPROVE,
        reasons=(
            "TikTok's deadline is 86400 s away, beyond the margin of 900 s",
            f"the reason {MISTAKE!r} is allowed",
            "the refund 12.30 USD is within 1.00 to 50.00",
        ),
        policy_version=3,
        dry_run=False,
    )
    assert decision.approve
    assert not decision.escalate


@pytest.mark.parametrize(
    ("status", "role", "reason"),
    [
        (
            "CANCELLATION_REQUEST_SUCCESS",
            "BUYER",
            "TikTok shows it as CANCELLATION_REQUEST_SUCCESS, not pending",
        ),
        ("CANCELLATION_REQUEST_CANCEL", "BUYER", "CANCELLATION_REQUEST_CANCELLED, not pending"),
        ("CANCELLATION_REQUEST_COMPLETE", "BUYER", "not pending"),
        ("SOMETHING_NEW", "BUYER", "TikTok shows it as SOMETHING_NEW, not pending"),
        ("CANCELLATION_REQUEST_PENDING", "SELLER", "requested by SELLER, not by the buyer"),
        ("CANCELLATION_REQUEST_PENDING", "SYSTEM", "requested by SYSTEM, not by the buyer"),
    ],
)
def test_anything_but_a_buyers_pending_request_is_nothing_to_decide(status, role, reason):
    decision = decide(policy(), cancellation(cancel_status=status, role=role), now=NOW)
    assert decision.verdict is Verdict.NOTHING_TO_DECIDE
    assert decision.reasons == (reason,) or reason in decision.reasons[0]
    assert not decision.approve
    assert not decision.escalate


def test_a_pending_request_without_a_role_goes_to_a_person():
    decision = decide(policy(), cancellation(role=None), now=NOW)
    assert decision.verdict is Verdict.NEEDS_REVIEW
    assert decision.reasons == ("TikTok does not say who requested it",)
    assert decision.escalate


@pytest.mark.parametrize(
    ("seconds_left", "verdict"),
    [
        (901, Verdict.APPROVE),  # one second beyond the margin
        (900, Verdict.LEAVE_TO_TIKTOK),  # exactly at the margin: TikTok decides
        (899, Verdict.LEAVE_TO_TIKTOK),
        (0, Verdict.LEAVE_TO_TIKTOK),  # the deadline itself
        (-60, Verdict.LEAVE_TO_TIKTOK),  # past it (a late webhook, a slow sweep)
    ],
)
def test_the_deadline_margin(seconds_left, verdict):
    decision = decide(policy(), cancellation(seller_next_action_response=deadline_in(seconds_left)), now=NOW)
    assert decision.verdict is verdict


def test_leaving_to_tiktok_says_how_close_the_deadline_is():
    near = decide(policy(), cancellation(seller_next_action_response=deadline_in(300)), now=NOW)
    assert near.reasons == (
        "TikTok's deadline is 300 s away, within the policy's margin of 900 s: TikTok decides",
    )
    past = decide(policy(), cancellation(seller_next_action_response=deadline_in(-60)), now=NOW)
    assert past.reasons == ("TikTok's deadline passed 60 s ago: TikTok decides",)
    now = decide(policy(deadline_margin=0), cancellation(seller_next_action_response=deadline_in(0)), now=NOW)
    assert now.reasons == ("TikTok's deadline passed 0 s ago: TikTok decides",)


def test_a_fractional_now_keeps_the_boundary():
    at_margin = cancellation(seller_next_action_response=deadline_in(900))
    assert decide(policy(), at_margin, now=NOW + 0.001).verdict is Verdict.LEAVE_TO_TIKTOK
    assert decide(policy(), at_margin, now=NOW - 0.001).verdict is Verdict.APPROVE


def test_a_zero_margin_leaves_only_at_the_deadline():
    zero = policy(deadline_margin=0)
    assert decide(zero, cancellation(seller_next_action_response=deadline_in(1)), now=NOW).approve
    at = decide(zero, cancellation(seller_next_action_response=deadline_in(0)), now=NOW)
    assert at.verdict is Verdict.LEAVE_TO_TIKTOK


def test_the_earliest_of_several_deadlines_counts():
    actions = [*deadline_in(10_000), *deadline_in(600)]
    decision = decide(policy(), cancellation(seller_next_action_response=actions), now=NOW)
    assert decision.verdict is Verdict.LEAVE_TO_TIKTOK


@pytest.mark.parametrize("actions", [None, [], [{"action": "SELLER_RESPOND_CANCEL"}], [{"deadline": "soon"}]])
def test_no_deadline_goes_to_a_person(actions):
    decision = decide(policy(), cancellation(seller_next_action_response=actions), now=NOW)
    assert decision.verdict is Verdict.NEEDS_REVIEW
    assert decision.reasons == ("TikTok gives no response deadline, so the margin cannot be kept",)


@pytest.mark.parametrize(
    ("reason", "verdict", "why"),
    [
        (MISTAKE, Verdict.APPROVE, f"the reason {MISTAKE!r} is allowed"),
        (CHANGED_MIND, Verdict.APPROVE, f"the reason {CHANGED_MIND!r} is allowed"),
        (PRICE, Verdict.NEEDS_REVIEW, f"the reason {PRICE!r} is refused by the policy"),
        (
            "something_else",
            Verdict.NEEDS_REVIEW,
            "the reason 'something_else' is not among the policy's allowed reasons",
        ),
        (None, Verdict.NEEDS_REVIEW, "TikTok gives no cancel_reason, and the policy has rules on reasons"),
        ("", Verdict.NEEDS_REVIEW, "TikTok gives no cancel_reason, and the policy has rules on reasons"),
    ],
)
def test_reasons_allowed_and_refused(reason, verdict, why):
    decision = decide(policy(), cancellation(cancel_reason=reason), now=NOW)
    assert decision.verdict is verdict
    assert why in decision.reasons


def test_an_empty_allow_list_allows_every_reason_not_refused():
    only_refusing = policy(allowed_reasons=[])
    assert decide(only_refusing, cancellation(cancel_reason="something_else"), now=NOW).approve
    assert (
        "the reason 'something_else' is allowed"
        in decide(only_refusing, cancellation(cancel_reason="something_else"), now=NOW).reasons
    )
    assert decide(only_refusing, cancellation(cancel_reason=PRICE), now=NOW).escalate
    assert decide(only_refusing, cancellation(cancel_reason=None), now=NOW).escalate  # a rule, no data


def test_no_reason_rules_accept_any_reason_even_none():
    any_reason = policy(allowed_reasons=[], refused_reasons=[])
    decision = decide(any_reason, cancellation(cancel_reason=None), now=NOW)
    assert decision.approve
    assert "the policy accepts any reason" in decision.reasons


@pytest.mark.parametrize(
    ("total", "verdict"),
    [
        ("1.00", Verdict.APPROVE),  # exactly the minimum
        ("1", Verdict.APPROVE),  # the same amount, written otherwise
        ("50.00", Verdict.APPROVE),  # exactly the maximum
        ("50.000000000000000001", Verdict.NEEDS_REVIEW),  # a hair over: no float would see it
        ("50.01", Verdict.NEEDS_REVIEW),
        ("0.99", Verdict.NEEDS_REVIEW),
        ("0", Verdict.NEEDS_REVIEW),
        ("-5.00", Verdict.NEEDS_REVIEW),
    ],
)
def test_the_refund_range_boundaries(total, verdict):
    decision = decide(policy(), cancellation(refund_amount=refund(total)), now=NOW)
    assert decision.verdict is verdict


def test_decimals_are_exact():
    # 0.1 + 0.2 is 0.30000000000000004 in floats: over a maximum of 0.3 there, exactly at it here.
    tenths = policy(refund_limits={"USD": {"min": "0.3", "max": "0.3"}})
    total = str(Decimal("0.1") + Decimal("0.2"))
    assert total == "0.3"
    assert decide(tenths, cancellation(refund_amount=refund(total)), now=NOW).approve
    assert decide(tenths, cancellation(refund_amount=refund("0.30000000000000004")), now=NOW).escalate


def test_a_huge_amount_is_over_any_range():
    huge = "9" * 40 + ".99"
    decision = decide(policy(), cancellation(refund_amount=refund(huge)), now=NOW)
    assert decision.verdict is Verdict.NEEDS_REVIEW
    assert decision.reasons == (f"the refund {huge} USD is over the policy's maximum 50.00",)
    widest = policy(refund_limits={"USD": {"max": "9" * 18 + "." + "9" * 18}})
    assert decide(widest, cancellation(refund_amount=refund(huge)), now=NOW).escalate


def test_the_range_messages():
    under = decide(policy(), cancellation(refund_amount=refund("0.50")), now=NOW)
    assert under.reasons == ("the refund 0.50 USD is under the policy's minimum 1.00",)
    other = decide(policy(), cancellation(refund_amount=refund("12.30", "EUR")), now=NOW)
    assert other.reasons == ("the policy has no refund range for 'EUR'",)


def test_each_currency_has_its_own_range():
    assert decide(policy(), cancellation(refund_amount=refund("40", "GBP")), now=NOW).approve
    assert decide(policy(), cancellation(refund_amount=refund("40.01", "GBP")), now=NOW).escalate


@pytest.mark.parametrize(
    ("refund_amount", "why"),
    [
        (None, "TikTok gives no refund total and currency, so the refund range cannot be checked"),
        ({}, "TikTok gives no refund total and currency, so the refund range cannot be checked"),
        (refund(None), "TikTok gives no refund total, so the refund range cannot be checked"),
        (refund("12.30", None), "TikTok gives no currency, so the refund range cannot be checked"),
        (refund("NaN"), "the refund total 'NaN' is not a decimal amount"),
        (refund("1e1"), "the refund total '1e1' is not a decimal amount"),
        (refund(" 12.30"), "the refund total ' 12.30' is not a decimal amount"),
        (refund("9" * 41), "is not a decimal amount"),
    ],
)
def test_a_refund_that_cannot_be_read_goes_to_a_person(refund_amount, why):
    decision = decide(policy(), cancellation(refund_amount=refund_amount), now=NOW)
    assert decision.verdict is Verdict.NEEDS_REVIEW
    assert decision.reasons == (why,) or any(why in reason for reason in decision.reasons)


def test_every_objection_is_kept():
    decision = decide(
        policy(),
        cancellation(
            cancel_reason=PRICE, refund_amount=refund("99", "USD"), seller_next_action_response=None
        ),
        now=NOW,
    )
    assert decision.verdict is Verdict.NEEDS_REVIEW
    assert decision.reasons == (
        "TikTok gives no response deadline, so the margin cannot be kept",
        f"the reason {PRICE!r} is refused by the policy",
        "the refund 99 USD is over the policy's maximum 50.00",
    )


def test_the_deadline_outranks_the_other_rules():
    late_and_refused = cancellation(cancel_reason=PRICE, seller_next_action_response=deadline_in(60))
    assert decide(policy(), late_and_refused, now=NOW).verdict is Verdict.LEAVE_TO_TIKTOK


# --- the modes --------------------------------------------------------------------------------------------


def test_observe_decides_but_does_not_act():
    observing = policy(mode="observe")
    approvable = decide(observing, cancellation(), now=NOW)
    assert (approvable.verdict, approvable.dry_run) == (Verdict.APPROVE, True)
    assert not approvable.approve
    assert approvable.reasons == decide(policy(), cancellation(), now=NOW).reasons
    review = decide(observing, cancellation(cancel_reason=PRICE), now=NOW)
    assert (review.verdict, review.dry_run) == (Verdict.NEEDS_REVIEW, True)
    assert not review.escalate
    late = decide(observing, cancellation(seller_next_action_response=deadline_in(1)), now=NOW)
    assert (late.verdict, late.dry_run) == (Verdict.LEAVE_TO_TIKTOK, True)


def test_approve_acts():
    decision = decide(policy(mode="approve"), cancellation(), now=NOW)
    assert (decision.verdict, decision.dry_run, decision.approve) == (Verdict.APPROVE, False, True)


@pytest.mark.parametrize(
    "cancel",
    [
        cancellation(),
        cancellation(cancel_reason=PRICE),
        cancellation(cancel_status="CANCELLATION_REQUEST_SUCCESS"),
    ],
)
def test_off_decides_nothing(cancel):
    decision = decide(policy(mode="off"), cancel, now=NOW)
    assert decision == Decision(Verdict.NOTHING_TO_DECIDE, ("the autopilot is off for this shop",), 3)
    assert not decision.approve
    assert not decision.escalate


def test_no_verdict_rejects():
    assert {verdict.value for verdict in Verdict} == {
        "approve",
        "needs_review",
        "leave_to_tiktok",
        "nothing_to_decide",
    }


@pytest.mark.parametrize("now", [float("nan"), float("inf"), None, "1700000000", True])
def test_a_clock_that_is_no_time_is_refused(now):
    with pytest.raises(ValueError, match="now must be a finite Unix time in seconds"):
        decide(policy(), cancellation(), now=now)
