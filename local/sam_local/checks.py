"""make sam-local's steps: local_stack's Scenario with every invocation a `sam local invoke`, the other
events of events/, a rotation in SAM's containers, then `sam local start-api` (the approval's routes, then
TikTok's webhooks) and `start-lambda`."""

from __future__ import annotations

from collections.abc import Callable

from local_stack.invoke import Invocation, describe_request, render
from local_stack.paths import EVENTS
from local_stack.scenario import ROTATION_CANCEL_ID, TOKEN_EXPIRED, Scenario, Step, api_event
from local_stack.stack import StackInfo

from sam_local.api_checks import check_start_api
from sam_local.expectations import CHECKED_BY_THE_SCENARIO, SINGLE_ANSWERS
from sam_local.lambda_checks import check_start_lambda
from sam_local.sam_cli import SamLocal
from sam_local.transport import SamInvokeTransport
from sam_local.webhook_checks import check_webhook_route

Say = Callable[[str], None]


class SamLocalScenario(Scenario):
    def __init__(self, info: StackInfo, sam: SamLocal, container_host: str, say: Say = print) -> None:
        """`container_host`: the address SAM's containers reach the stack at (the `--env-vars` file's)."""
        super().__init__(info, say=say, transport=SamInvokeTransport(sam))
        self.sam = sam
        self.container_host = container_host

    def invoke(self, step: Step, event_file: str) -> Invocation:
        invocation = super().invoke(step, event_file)
        step.show(f"  ({self.sam.commands[-1]})")
        return invocation

    def steps(self) -> list[tuple[str, Callable[[Step], None]]]:
        # The autopilot and sweeper steps use the stack's own runtimes (webhook, decider, sweeper), which
        # SAM's containers do not replace here: left to make run.
        steps = [
            (title, action)
            for title, action in super().steps()
            if action not in (self.autopilot, self.sweeper)
        ]
        # The Scenario's rotation step (then the last) is `self.rotation`, this class's own: the containers
        # are cold each time.
        *in_depth, (rotation_title, rotation) = steps
        return [
            *((f"sam local invoke: {title}", action) for title, action in in_depth),
            ("sam local invoke: the other events of events/", self.other_events),
            (f"sam local invoke: {rotation_title} (RotateCredentialsFunction)", rotation),
            ("sam local start-api: real HTTP requests to SAM's API Gateway emulator", self.start_api),
            (
                "sam local start-api: TikTok's webhooks on POST /webhooks/tiktok (TikTokWebhookFunction)",
                self.webhooks,
            ),
            ("sam local start-lambda: boto3 lambda.invoke", self.start_lambda),
        ]

    def other_events(self, step: Step) -> None:
        files = sorted(f"events/{path.name}" for path in EVENTS.glob("*.json"))
        covered = sorted([*CHECKED_BY_THE_SCENARIO, *(answer.event_file for answer in SINGLE_ANSWERS)])
        step.expect(
            files == covered, f"every one of the {len(files)} files in events/ has an expected answer"
        )
        for answer in SINGLE_ANSWERS:
            invocation = self.invoke(step, answer.event_file)
            body = invocation.api_body()
            status = (body.get("data") or {}).get("status") if isinstance(body, dict) else None
            step.expect(
                invocation.api_status == answer.status and status == answer.data_status,
                f"HTTP {answer.status} {answer.data_status}",
            )
            if answer.header:
                name, value = answer.header
                step.expect(invocation.api_header(name) == value, f"{name}: {value}")

    def rotation(self, step: Step) -> None:
        """A full rotation (createSecret, setSecret, testSecret, finishSecret, each a `sam local invoke` of
        RotateCredentialsFunction), then the approval in a new container: the rotated token works where the
        expired one was refused."""
        calls_before = len(self.tiktok.calls())
        version, before = self._secret_before_rotation(step)
        event = api_event(ROTATION_CANCEL_ID)
        self._approval_with_an_expired_token(step, event, str(before["access_token"]))
        self._rotate(step, version, before)
        step.show(f"  (each step: {self.sam.commands[-1]})")
        step.show(f"\nd. the same approval again, in a new container -> {describe_request(event)}")
        approved = self.transport.approve(event)
        step.show(render(approved))
        body = approved.api_body()
        step.expect(
            approved.api_status == 200 and isinstance(body, dict) and body.get("code") == 0,
            'HTTP 200, TikTok answered code 0, "Success"',
        )
        calls = [c for c in self.tiktok.calls()[calls_before:] if c.get("cancel_id") == ROTATION_CANCEL_ID]
        step.expect(
            [c.get("code") for c in calls] == [TOKEN_EXPIRED, 0],
            f"TikTok saw {TOKEN_EXPIRED} with the expired token, then 0 with the rotated one",
        )

    def start_api(self, step: Step) -> None:
        check_start_api(self.sam, step, self.tiktok)

    def webhooks(self, step: Step) -> None:
        check_webhook_route(self.sam, step, self.info, self.container_host)

    def start_lambda(self, step: Step) -> None:
        check_start_lambda(self.sam, step, self.tiktok)
