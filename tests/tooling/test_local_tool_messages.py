"""What the local tools say when something is off: a bad event file, an unknown cancel_id, another OS."""

from __future__ import annotations

import pytest
from local_stack.invoke import EventFileError, describe_request, load_event
from local_stack.platform_check import UnsupportedPlatform, require_linux, unsupported_platform_message
from local_stack.side_effects import unknown_cancellation_hints


@pytest.mark.parametrize(("records", "said"), [(1, "a batch of 1 message"), (3, "a batch of 3 messages")])
def test_an_sqs_batch_is_counted_in_words(records, said):
    event = {"Records": [{"body": "{}"}] * records}

    assert describe_request(event) == f"SQS: {said}"


def test_an_event_file_that_is_not_json_names_the_file_line_and_column(tmp_path):
    event_file = tmp_path / "event.json"
    event_file.write_text('{"cancel_id": "1",\n}')

    with pytest.raises(EventFileError) as raised:
        load_event(event_file)

    assert str(raised.value).startswith(f"{event_file} is not JSON (line 2, column 1: ")


def test_a_missing_event_file_lists_the_sample_events():
    with pytest.raises(EventFileError, match=r"events/nope.json: no such file .*direct_approve\.json"):
        load_event("events/nope.json")


def test_a_not_found_call_points_at_the_seed_file():
    calls = [
        {"cancel_id": "5760001000000000001", "code": 0},
        {"cancel_id": "5760001000000000077", "code": 25007006},
        {"cancel_id": "5760001000000000077", "code": 25007006},
    ]

    hints = unknown_cancellation_hints(calls)

    assert hints[0].startswith("note: the TikTok emulator knows no cancellation 5760001000000000077 ")
    assert (
        'add {"5760001000000000077": "pending"} under "cancellations" in local/tiktok_emulator/seed.json'
        in (hints[1])
    )
    assert unknown_cancellation_hints(calls[:1]) == []


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_the_local_stack_refuses_other_systems_than_linux_and_says_why(platform):
    message = unsupported_platform_message(platform)

    assert message is not None
    assert f"needs Linux; this is {platform}" in message
    assert "PR_SET_PDEATHSIG" in message
    with pytest.raises(UnsupportedPlatform):
        require_linux(platform)
    require_linux("linux")
