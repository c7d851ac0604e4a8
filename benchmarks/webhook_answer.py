"""`make bench-webhook`: how fast TikTokWebhookFunction answers, beside TikTok's 3-second limit, and its cold
start beside its I/O floor.

TikTok waits 3 s for the answer to a webhook and sends it again otherwise (docs/webhooks.md), cold starts
included: the cold answer (a fresh process per sample: the import and the first invocation) and the warm one
(one process, invocation after invocation) are each given by their p50 and p99 against that limit. The cold
start is also measured beside plain_webhook_io.py, plain boto3 doing the same I/O in the same environment,
interleaved, as make bench measures the approval's (environments.py: the sam build output in a read-only
copy, python3.13, the template's environment, tracing on, AWS in moto on loopback).

Each valid webhook is an API Gateway proxy event whose body is a type-11 notification (a buyer's pending
cancellation) with a fresh tts_notification_id, signed with the deployed default secret's app as TikTok
signs; the run ends by checking that every one of them was queued. A forged signature's 401 is timed warm,
for information. Not in any figure: API Gateway, Lambda's own sandbox start and the interpreter's start-up.

    python benchmarks/webhook_answer.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for part in ("local", "tests", "layers/tiktok_shop"):
    sys.path.insert(0, str(ROOT / part))

from artefacts import import_profile, inspect  # noqa: E402
from environments import (  # noqa: E402
    Environment,
    World,
    cold_start_imports,
    interleaved,
    load_average,
    one_shot,
    world,
)
from figures import EXIT_GOAL_MISSED, HEADER, LIMIT_HEADER, Pair, WithinLimit, goals  # noqa: E402
from local_stack.provision import aws_client  # noqa: E402
from tiktok_shop.webhooks import webhook_signature  # noqa: E402

FUNCTION_ID = "TikTokWebhookFunction"
TIKTOK_LIMIT_SECONDS = 3.0
COLD_START_GOAL = 1.25  # the approval's cold-start goal (docs/performance.md)
FLOOR_NAME = "boto3, same I/O"
ACCEPTED, FORGED, FLOOR_DONE = "200", "401", "true"
_ids = count(1)


@dataclass
class Webhooks:
    """TikTok's webhooks as API Gateway hands them over. Counts the valid ones: each must end up queued."""

    app_key: str
    app_secret: str
    issued: int = 0

    @classmethod
    def signed_by_the_default_secret(cls, w: World) -> Webhooks:
        environment = w.environments["ours"]
        secrets = aws_client("secretsmanager", environment["AWS_ENDPOINT_URL"])
        secret_id = environment["TIKTOK_CREDENTIALS_SECRET"]
        secret = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])
        return cls(secret["app_key"], secret["app_secret"])

    def valid(self) -> dict[str, Any]:
        self.issued += 1
        return _api_event(self.app_key, self.app_secret)

    def forged(self) -> dict[str, Any]:
        """Well formed, signed with another secret: hashed and compared in full, then refused."""
        return _api_event(self.app_key, self.app_secret + "-forged")


def _api_event(app_key: str, app_secret: str) -> dict[str, Any]:
    n = next(_ids)
    body = json.dumps(
        {
            "type": 11,
            "tts_notification_id": f"73271123930{n:08d}",
            "shop_id": "7494049642642441621",
            "timestamp": 1700000000,
            "data": {
                "order_id": f"57648631694{n:08d}",
                "cancellations_role": "BUYER",
                "cancel_status": "CANCELLATION_REQUEST_PENDING",
                "cancel_id": f"40353185040{n:08d}",
                "create_time": 1699999990,
            },
        }
    ).encode()
    signature = webhook_signature(app_key=app_key, app_secret=app_secret, body=body)
    headers = {"Content-Type": "application/json", "Authorization": signature}
    return {
        "resource": "/webhooks/tiktok",
        "path": "/webhooks/tiktok",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "pathParameters": None,
        "requestContext": {"requestId": f"bench-webhook-{n}", "httpMethod": "POST", "stage": "v1"},
        "body": body.decode(),
        "isBase64Encoded": False,
    }


@dataclass
class Measured:
    limits: list[WithinLimit]
    pairs: list[Pair]
    import_lines: list[str] = field(default_factory=list)
    queued: int = 0  # messages on WebhookQueue at the end
    issued: int = 0  # valid webhooks sent, to the function and to the floor

    @property
    def missed(self) -> list[str]:
        return [f.name for f in self.limits if not f.met] + [p.name for p in self.pairs if not p.met]


def cold(w: World, webhooks: Webhooks, rounds: int) -> tuple[WithinLimit, Pair]:
    """Fresh processes, the function's and the floor's interleaved: each sample is init + first invocation."""
    answer = WithinLimit("webhook answer, cold start", TIKTOK_LIMIT_SECONDS)
    start = Pair("webhook cold start", COLD_START_GOAL, FLOOR_NAME)
    for n in range(rounds):
        function_s, floor_s = interleaved(
            n,
            lambda: one_shot(w, "function", webhooks.valid(), ACCEPTED),
            lambda: one_shot(w, "floor", webhooks.valid(), FLOOR_DONE),
        )
        answer.add(function_s)
        start.add(function_s, floor_s)
    return answer, start


def warm(w: World, webhooks: Webhooks, rounds: int) -> tuple[WithinLimit, WithinLimit, Pair]:
    """One environment each, invocation after invocation; a forged webhook after every valid one."""
    answer = WithinLimit("webhook answer, warm", TIKTOK_LIMIT_SECONDS)
    forged = WithinLimit("forged signature (401), warm", None, percentiles=(50,))
    beside_floor = Pair("webhook answer, warm", None, "PutItem+SQS+UpdateItem")
    with Environment(w, "function") as function, Environment(w, "floor") as floor:
        for _ in range(2):  # the first is the cold start; the second warms the lazy paths
            function.run(webhooks.valid(), ACCEPTED)
            function.run(webhooks.forged(), FORGED)
            floor.run(webhooks.valid(), FLOOR_DONE)
        for n in range(rounds):
            function_s, floor_s = interleaved(
                n,
                lambda: function.run(webhooks.valid(), ACCEPTED),
                lambda: floor.run(webhooks.valid(), FLOOR_DONE),
            )
            answer.add(function_s)
            beside_floor.add(function_s, floor_s)
            forged.add(function.run(webhooks.forged(), FORGED))
    return answer, forged, beside_floor


def queued_messages(w: World) -> int:
    environment = w.environments["ours"]
    sqs = aws_client("sqs", environment["AWS_ENDPOINT_URL"])
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=environment["WEBHOOK_QUEUE_URL"], AttributeNames=names)
    return sum(int(attributes["Attributes"][name]) for name in names)


def measure(w: World, cold_rounds: int, warm_rounds: int, *, profile: bool = True) -> Measured:
    webhooks = Webhooks.signed_by_the_default_secret(w)
    cold_answer, cold_start = cold(w, webhooks, cold_rounds)
    warm_answer, forged, warm_pair = warm(w, webhooks, warm_rounds)
    measured = Measured([cold_answer, warm_answer, forged], [cold_start, warm_pair])
    if profile:
        function = cold_start_imports(w, "function", webhooks.valid(), ACCEPTED)
        floor = cold_start_imports(w, "floor", webhooks.valid(), FLOOR_DONE)
        measured.import_lines = import_profile(function, floor)
    measured.queued, measured.issued = queued_messages(w), webhooks.issued
    return measured


def report(measured: Measured, cold_rounds: int, warm_rounds: int) -> list[str]:
    lines = [
        f"answer time beside TikTok's limit; cold: a fresh process per sample, import + first invocation, "
        f"{cold_rounds} samples; warm: one process, {warm_rounds} samples:",
        LIMIT_HEADER,
    ]
    lines += [line for figure in measured.limits for line in figure.lines()]
    lines += [f"cold start beside its floor: {cold_rounds} pairs, warm: {warm_rounds} pairs:", HEADER]
    lines += [pair.line() for pair in measured.pairs]
    if measured.import_lines:
        lines += ["-X importtime of the cold start (cumulative, two outer levels):", *measured.import_lines]
    lines.append(
        f"queued on WebhookQueue: {measured.queued} messages for {measured.issued} valid webhooks "
        "(function and floor), each a new tts_notification_id"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few rounds only: checks the benchmark runs")
    quick = parser.parse_args().quick
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    # A p99 needs about a hundred samples to mean anything; warm samples are cheap.
    cold_rounds, warm_rounds = (3, 10) if quick else (100, 400)
    with world(function_id=FUNCTION_ID, public_layer=False) as w:
        print(f"make bench-webhook: {w.describe()}")
        print("deployment (what sam deploy uploads, from .aws-sam/build, measured in a read-only copy):")
        tag = f"cpython-{w.runtime.minor.replace('.', '')}"
        ours = w.deployed.ours
        print(inspect(FUNCTION_ID, ours.function_dir, tag).line())
        for layer in ours.python_path:
            print(inspect(layer.parent.name, layer.parent, tag).line(), flush=True)
        measured = measure(w, cold_rounds, warm_rounds)
        print("\n".join(report(measured, cold_rounds, warm_rounds)))
        print(f"X-Ray segments received by the daemon stand-in: {w.xray.datagrams}")
        if measured.queued != measured.issued:
            # A webhook taken for a duplicate or dropped would have been timed as if it had been queued.
            raise SystemExit(f"make bench-webhook: {measured.issued - measured.queued} webhooks not queued")
        print(goals(measured.missed))
        print(f"load average at the end {load_average()} (2 shared cores; figures move with it)")
    sys.exit(EXIT_GOAL_MISSED if measured.missed else 0)


if __name__ == "__main__":
    main()
