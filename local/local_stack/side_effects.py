"""What an invocation did besides answering: the messages it parked in the dead-letter queue and the calls it
made to TikTok. `make invoke` and `make run` show them after each result, `make local-show` for the whole
background stack. boto3 from the project's venv reads moto; no AWS CLI is needed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from tiktok_emulator.codes import ORDER_NOT_FOUND
from tiktok_emulator.config import SEED_FILE

from local_stack.invoke import counted
from local_stack.paths import ROOT
from local_stack.provision import aws_client
from local_stack.stack import StackInfo
from local_stack.tiktok_admin import TikTokAdmin

_HIDE_SECONDS: Final = 30
"""How long a peek hides the messages it has seen, so that the next receive returns the others."""
# shop_cipher stays: with several shops, which shop a call was for is the point.
_HIDDEN_QUERY: Final = ("sign", "timestamp", "app_key")
"""Noise in a call line: the same on every call, or a signature."""


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    body: str
    attributes: dict[str, str]
    """The reason the function attached: error_type, error_message, code, request_id, source_message_id..."""

    def describe(self) -> str:
        lines = [f"  body: {self.body}"]
        lines += [f"    {name}: {value}" for name, value in self.attributes.items()]
        return "\n".join(lines)


class DeadLetterQueue:
    """ApprovalDeadLetterQueue in moto, read without consuming it."""

    def __init__(self, info: StackInfo) -> None:
        self.url = info.resource_ref("ApprovalDeadLetterQueue")
        self._sqs = aws_client("sqs", info.queue_endpoint)

    def peek(self) -> list[DeadLetter]:
        """Every message, left in the queue: each receive hides what it returned for a while, so that the
        next one returns the rest; then all are made visible again."""
        received: list[dict[str, Any]] = []
        while batch := self._sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            VisibilityTimeout=_HIDE_SECONDS,
            WaitTimeSeconds=0,
        ).get("Messages", []):
            received.extend(batch)
        for start in range(0, len(received), 10):
            entries = [
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for n, m in enumerate(received[start : start + 10])
            ]
            self._sqs.change_message_visibility_batch(QueueUrl=self.url, Entries=entries)
        return [_dead_letter(message) for message in received]

    def ids(self) -> set[str]:
        return {letter.message_id for letter in self.peek()}


def _dead_letter(message: Mapping[str, Any]) -> DeadLetter:
    attributes = {
        str(name): str(value.get("StringValue"))
        for name, value in (message.get("MessageAttributes") or {}).items()
    }
    return DeadLetter(str(message["MessageId"]), str(message.get("Body", "")), attributes)


@dataclass(frozen=True)
class Snapshot:
    """What the stack held before an invocation: whatever comes after it is the invocation's doing."""

    dead_letter_ids: set[str]
    tiktok_calls: int


@dataclass(frozen=True)
class SideEffects:
    dead_letters: list[DeadLetter]
    tiktok_calls: list[dict[str, Any]]
    queue_url: str
    tiktok_url: str

    def dead_letter_sources(self) -> list[str]:
        """For each new dead letter, the SQS message it came from ("" when it names none)."""
        return [letter.attributes.get("source_message_id", "") for letter in self.dead_letters]

    def describe(self) -> str:
        lines = [f"dead-letter queue: {counted(len(self.dead_letters), 'new message')}"]
        lines += [letter.describe() for letter in self.dead_letters]
        lines.append(f"TikTok calls (POST /__emulator/call/calls): {counted(len(self.tiktok_calls), 'call')}")
        lines += [f"  {describe_call(call)}" for call in self.tiktok_calls]
        lines += unknown_cancellation_hints(self.tiktok_calls)
        return "\n".join(lines)


class SideEffectWatch:
    """Takes a snapshot before an invocation and tells what is new after it."""

    def __init__(self, info: StackInfo) -> None:
        self.queue = DeadLetterQueue(info)
        self.tiktok = TikTokAdmin(info.tiktok_url)

    def snapshot(self) -> Snapshot:
        return Snapshot(self.queue.ids(), len(self.tiktok.calls()))

    def since(self, before: Snapshot) -> SideEffects:
        letters = [letter for letter in self.queue.peek() if letter.message_id not in before.dead_letter_ids]
        calls = self.tiktok.calls()[before.tiktok_calls :]
        return SideEffects(letters, calls, self.queue.url, self.tiktok.base_url)


def everything(info: StackInfo, last_calls: int = 50) -> str:
    """`make local-show`: the dead-letter queue as it stands and TikTok's most recent calls."""
    queue = DeadLetterQueue(info)
    letters = queue.peek()
    calls = TikTokAdmin(info.tiktok_url).calls()
    shown = calls[-last_calls:]
    lines = [f"dead-letter queue {queue.url}: {counted(len(letters), 'message')}"]
    lines += [letter.describe() for letter in letters]
    earlier = f", the last {len(shown)} shown" if len(shown) < len(calls) else ""
    lines.append(f"TikTok emulator {info.tiktok_url}: {counted(len(calls), 'call')} received{earlier}")
    lines += [f"  {describe_call(call)}" for call in shown]
    lines += unknown_cancellation_hints(shown)
    return "\n".join(lines)


def describe_call(call: Mapping[str, Any], *, hide: Sequence[str] = _HIDDEN_QUERY) -> str:
    """`POST /path?query -> HTTP 200, code 0`; the query as the recorder keeps it (its secret values are
    "***"); headers never, as they carry the access token."""
    query = call.get("query") or {}
    shown = "&".join(f"{name}={value}" for name, value in query.items() if name not in hide)
    target = f"{call.get('path')}?{shown}" if shown else str(call.get("path"))
    return f"{call.get('method')} {target} -> HTTP {call.get('status')}, code {call.get('code')}"


def unknown_cancellation_hints(calls: Sequence[Mapping[str, Any]]) -> list[str]:
    """For each cancel_id TikTok did not know (25007006): how to make it known to the running stack.
    `make local-seed` is enough: it has the emulator forget its "not found" to that cancel_id's
    idempotency_key, and the function stores no failure, so the next invocation reaches the new
    cancellation."""
    unknown = sorted(
        {str(c["cancel_id"]) for c in calls if c.get("code") == ORDER_NOT_FOUND and c.get("cancel_id")}
    )
    if not unknown:
        return []
    seed_file = SEED_FILE.relative_to(ROOT) if SEED_FILE.is_relative_to(ROOT) else SEED_FILE
    entries = ", ".join(f'"{cancel_id}": "pending"' for cancel_id in unknown)
    return [
        f"note: the TikTok emulator knows no cancellation {', '.join(unknown)} (code {ORDER_NOT_FOUND}): "
        "only the seeded ones exist locally.",
        f"  make local-seed CANCEL_ID={','.join(unknown)} seeds it, pending, in the running stack "
        "(STATE=<state> for another: approved, shipped, ...); the next make invoke reaches it, no restart.\n"
        f'  At every start instead: add {{{entries}}} under "cancellations" in {seed_file}; or put them in a '
        "file of your own, for make local-seed SEED=<file>.",
    ]
