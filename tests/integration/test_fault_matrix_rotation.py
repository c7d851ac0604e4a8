"""The matrix's rotation cell: the secret's access token changes between two records of one SQS batch.

In process, on the integration fixtures, with records approved one at a time so that "between" is exact: the
fault proxy rotates the secret (and TikTok expires the old token) as the third record takes its lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from approval import dependencies
from support.approvals import CREDENTIALS, PENDING, Aws, Invoke, sqs_event
from support.aws_fault_proxy import AwsFaultProxy, running_proxy
from support.fault_matrix import PUT, Cell, Outcome, cases, label
from support.powertools_output import captured_output
from tiktok_emulator import TikTokEmulator

ROTATED_TOKEN = "rotated-access-token-value"


@pytest.fixture
def proxied(invoke: Invoke, aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsFaultProxy]:
    with running_proxy(aws.url) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        monkeypatch.setenv("BATCH_CONCURRENCY", "1")
        dependencies.reset()
        yield proxy
    dependencies.reset()


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], str]]:
    from approval.observability import logger

    with captured_output(logger, capsys) as read:
        yield read


@pytest.mark.parametrize(
    ("cell", "trigger"), cases("rotation"), ids=lambda value: getattr(value, "name", value)
)
def test_a_rotation_between_two_records_of_a_batch_loses_nothing(
    cell: Cell,
    trigger: str,
    invoke: Invoke,
    aws: Aws,
    emulator: TikTokEmulator,
    proxied: AwsFaultProxy,
    output: Callable[[], str],
) -> None:
    assert cell.outcome is Outcome.APPROVED
    assert label(cell.outcome, "sqs") == "acknowledged"
    old_token = emulator.access_token
    locks = 0

    def rotate_before_the_third_lock(target: str, access_key: str | None) -> None:
        nonlocal locks
        if target != PUT:
            return
        locks += 1
        if locks == 3:
            emulator.add_access_token(ROTATED_TOKEN)
            aws.put_credentials(access_token=ROTATED_TOKEN)  # straight to moto, not through the proxy
            emulator.expire_token(old_token)

    proxied.before_forwarding(rotate_before_the_third_lock)
    batch = PENDING[:4]
    event = sqs_event(*(json.dumps({"cancel_id": cancel_id}) for cancel_id in batch))

    assert invoke(event) == {"batchItemFailures": []}

    assert aws.dead_letters() == []
    assert all(emulator.cancellation_state(cancel_id) == "approved" for cancel_id in batch)
    seen = {
        cancel_id: [
            (call.headers["x-tts-access-token"], call.code)
            for call in emulator.recorder.calls
            if call.cancel_id == cancel_id
        ]
        for cancel_id in batch
    }
    assert seen == {
        batch[0]: [(old_token, 0)],
        batch[1]: [(old_token, 0)],
        # The cached secret's token is refused; the secret is read again and the call made once more.
        batch[2]: [(old_token, 105002), (ROTATED_TOKEN, 0)],
        batch[3]: [(ROTATED_TOKEN, 0)],
    }
    text = output()
    assert "cancellation approved" in text
    signs = [call.query["sign"] for call in emulator.recorder.calls]
    for value in [CREDENTIALS["app_secret"], old_token, ROTATED_TOKEN, *signs]:
        assert value not in text
