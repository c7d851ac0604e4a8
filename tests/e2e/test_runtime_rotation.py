"""The rotation path through the runtime emulators, as `make run`'s sixth step drives it: the access token
expires, RotateCredentialsFunction (in its own RIE) rotates the secret, and the warm approval function
approves with the new token without a restart."""

from __future__ import annotations

from local_stack.rotation import current_secret, rotate
from local_stack.scenario import api_event
from local_stack.stack import StackInfo
from secrets_rotation import STEPS

CANCEL_ID = "5760001000000000012"  # seeded here: not in tiktok_emulator/seed.json


def test_an_expired_token_a_rotation_in_the_runtime_then_the_same_approval_succeeds(
    stack: StackInfo, call, tiktok
):
    tiktok.seed({CANCEL_ID: "pending"})
    event = api_event(CANCEL_ID)
    [approver] = [process for process in stack.processes if process.name == "lambda-runtime"]
    [rotator] = [process for process in stack.processes if process.name == "rotation-runtime"]
    version, before = current_secret(stack)
    assert before["refresh_token"] == tiktok.refresh_token()["refresh_token"]
    call("events/direct_approve.json")  # the approval function is warm and has the secret cached

    tiktok.expire_token(before["access_token"])
    failed = call(event)
    assert failed.api_status == 502, failed.payload
    assert failed.api_body()["code"] == 105002
    assert failed.api_body()["data"]["status"] == "UPSTREAM_CONFIGURATION_ERROR"

    calls_before = len(tiktok.calls())
    rotation = rotate(stack)
    assert [name for name, _ in rotation.steps] == list(STEPS)
    assert not [name for name, invocation in rotation.steps if invocation.function_error]
    new_version, after = current_secret(stack)
    assert new_version == rotation.version != version
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] == tiktok.refresh_token()["refresh_token"] != before["refresh_token"]
    assert after["shop_cipher"] == before["shop_cipher"]
    token_calls = [c for c in tiktok.calls()[calls_before:] if c["path"] == "/api/v2/token/refresh"]
    assert [(c["code"], c["query"]["app_secret"], c["query"]["refresh_token"]) for c in token_calls] == [
        (0, "***", "***")
    ]

    approved = call(event)
    assert approved.api_status == 200, approved.payload
    assert approved.api_body()["data"]["status"] == "CANCELLATION_APPROVED"
    assert tiktok.cancellations()[CANCEL_ID] == "approved"
    assert [c["code"] for c in tiktok.calls(CANCEL_ID)] == [105002, 105002, 0]
    # The same runtimes throughout: neither was restarted, and the rotation really ran in its own.
    assert approver.alive()
    assert rotator.alive()
    assert rotator.log.read_text().count("REPORT RequestId") == len(STEPS)
    [retried] = [
        line
        for line in approver.log.read_text().splitlines()
        if "retrying once with the re-read secret" in line and CANCEL_ID in line
    ]
    assert '"cold_start":false' in retried
