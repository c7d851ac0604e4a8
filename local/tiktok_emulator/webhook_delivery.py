"""Delivering the emulator's webhooks: a queue and one worker thread, so that no API answer waits for a
receiver, with TikTok's retries and the faults a receiver must survive.

- A notification is POSTed to the configured URL with `Authorization` (the signature) and
  `Content-Type: application/json`. Only HTTP 200 counts as received; any other answer, a connection error or
  no answer within 3 s is retried after 120 s, 1800 s, 3 h and 12 h (TikTok's documented schedule), each
  divided by `time_compression`, then given up: five attempts in all.
- Faults: `loss_share` of the notifications are never sent; `duplicate_share` are sent twice, as two
  deliveries of the same bytes (each retried on its own); `delay` holds every first attempt back that many
  seconds (not compressed); `reorder` holds a PENDING notification back until the next notification of the
  same cancellation has been handed to the worker, so PENDING arrives after, e.g., CANCELLED.
- Every attempt is recorded (DeliveryAttempt), and so is every lost notification (attempt 0).

The worker sends one request at a time, in the order the attempts fall due: a receiver that takes its 3 s
holds the others back, where TikTok would send in parallel.
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import logging
import math
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Final, Literal
from urllib.parse import urlsplit

from tiktok_emulator.notifications import CancellationNotification, Notification, webhook_signature

logger = logging.getLogger("tiktok_emulator")

RETRY_DELAYS: Final = (120.0, 1800.0, 3 * 3600.0, 12 * 3600.0)
"""TikTok's documented retries after a delivery that failed: 2 min, 30 min, 3 h, 12 h; then it gives up."""
ANSWER_TIMEOUT: Final = 3.0
"""TikTok waits 3 s for the 200."""
_PENDING_STATUS: Final = "CANCELLATION_REQUEST_PENDING"

Outcome = Literal["delivered", "retrying", "given_up", "lost"]


@dataclass(frozen=True)
class WebhookSettings:
    """Where and how the emulator sends webhooks. `url` None: it sends none (the default)."""

    url: str | None = None
    app_key: str = ""
    app_secret: str = field(default="", repr=False)
    loss_share: float = 0.0
    duplicate_share: float = 0.0
    delay: float = 0.0
    reorder: bool = False
    time_compression: float = 1.0

    def __post_init__(self) -> None:
        if self.url is not None:
            parts = urlsplit(self.url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"url must be an http:// or https:// URL with a host, got {self.url!r}")
            if not self.app_key or not self.app_secret:
                raise ValueError(
                    "app_key and app_secret must be non-empty: the webhooks are signed with them"
                )
        for name in ("loss_share", "duplicate_share"):
            share = getattr(self, name)
            if not (math.isfinite(share) and 0.0 <= share <= 1.0):
                raise ValueError(f"{name} must be a fraction from 0 to 1, got {share!r}")
        if not (math.isfinite(self.delay) and self.delay >= 0):
            raise ValueError(f"delay must be a non-negative number of seconds, got {self.delay!r}")
        if not (math.isfinite(self.time_compression) and self.time_compression >= 1):
            raise ValueError(
                f"time_compression must be a number of at least 1, got {self.time_compression!r}"
            )

    def retry_delay(self, attempt: int) -> float | None:
        """Seconds before the attempt after `attempt` (1-based); None: no more attempts."""
        if attempt > len(RETRY_DELAYS):
            return None
        return RETRY_DELAYS[attempt - 1] / self.time_compression

    def to_json(self) -> dict[str, object]:
        # The secret is the emulator's own app's (or the caller's): shown as set, never its value.
        return {**asdict(self), "app_secret": "***" if self.app_secret else ""}


@dataclass(frozen=True)
class DeliveryAttempt:
    tts_notification_id: str
    cancel_id: str
    cancel_status: str
    copy: int
    """1, or 2 for the second delivery of a duplicated notification."""
    attempt: int
    """1 to 5; 0 for a notification lost on purpose (loss_share), never sent."""
    outcome: Outcome
    status_code: int | None
    """The receiver's HTTP status; None when it gave none (connection error, timeout) or nothing was sent."""
    error: str | None
    time: float
    """Emulator clock, when the attempt ended."""

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class _Job:
    notification: Notification
    copy: int
    attempt: int
    generation: int


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # TikTok expects the 200 from the URL it was given; a redirect is an answer that is not 200.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


# No proxy: the receiver is on this machine, and a proxy from the environment must not stand in for it.
_OPENER: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


class WebhookDispatcher:
    def __init__(self, clock: Callable[[], float], rng: random.Random | None = None) -> None:
        self._clock = clock
        # The fault shares only need to look random: no secret depends on them.
        self._random = rng or random.Random()  # noqa: S311
        self._condition = threading.Condition()
        self._settings = WebhookSettings()
        self._due: list[tuple[float, int, _Job]] = []  # a heap: (monotonic due time, sequence, job)
        self._sequence = itertools.count()
        self._held: dict[str, CancellationNotification] = {}  # reorder: PENDING, by cancel_id
        self._in_flight = 0
        self._attempts: list[DeliveryAttempt] = []
        # Bumped whenever what is pending is dropped (reset, stop, delivery turned off): an attempt under way
        # then belongs to a configuration that is gone, and is neither recorded nor retried.
        self._generation = 0
        # The one worker; a thread that finds it is no longer this one ends.
        self._worker: threading.Thread | None = None

    @property
    def settings(self) -> WebhookSettings:
        with self._condition:
            return self._settings

    def configure(self, settings: WebhookSettings) -> None:
        """From now on. Turned off, nothing pending is sent any more; reorder turned off sends what it
        held."""
        with self._condition:
            self._settings = settings
            if settings.url is None:
                self._drop_pending()
            elif not settings.reorder:
                held, self._held = list(self._held.values()), {}
                for notification in held:
                    self._schedule(notification)

    def notify(self, notification: Notification) -> None:
        """Queues `notification` as the settings say; never waits for a receiver."""
        with self._condition:
            if self._settings.url is None:
                return
            held = self._held.pop(notification.cancel_id, None) if notification.cancel_id else None
            if (
                self._settings.reorder
                and held is None
                and isinstance(notification, CancellationNotification)
                and notification.cancel_status == _PENDING_STATUS
            ):
                self._held[notification.cancel_id] = notification
                return
            self._schedule(notification)
            if held is not None:
                self._schedule(held)

    def attempts(self, cancel_id: str | None = None) -> list[DeliveryAttempt]:
        with self._condition:
            return [a for a in self._attempts if cancel_id is None or a.cancel_id == cancel_id]

    def wait_until_idle(self, timeout: float) -> dict[str, object]:
        """Waits until no attempt is due or under way (held notifications do not count: they wait for a
        change of their cancellation); `{"settled", "pending", "held"}`."""
        with self._condition:
            settled = self._condition.wait_for(lambda: not self._due and not self._in_flight, timeout)
            return {"settled": settled, "pending": len(self._due) + self._in_flight, "held": len(self._held)}

    def reset(self) -> None:
        """Off, nothing pending or held, no attempts recorded."""
        with self._condition:
            self._settings = WebhookSettings()
            self._drop_pending()
            self._attempts.clear()

    def stop(self) -> None:
        """Ends the worker; what is pending is dropped. An attempt under way ends within ANSWER_TIMEOUT."""
        with self._condition:
            worker, self._worker = self._worker, None
            self._drop_pending()
        if worker is not None:
            worker.join(ANSWER_TIMEOUT + 1)

    # -- under the condition's lock ------------------------------------------------------------------------

    def _drop_pending(self) -> None:
        self._due.clear()
        self._held.clear()
        self._generation += 1
        self._condition.notify_all()

    def _schedule(self, notification: Notification) -> None:
        settings = self._settings
        if self._random.random() < settings.loss_share:
            self._record(
                _Job(notification, 1, 0, self._generation), "lost", None, "lost on purpose (loss_share)"
            )
            return
        copies = 2 if self._random.random() < settings.duplicate_share else 1
        for copy in range(1, copies + 1):
            self._push(_Job(notification, copy, 1, self._generation), settings.delay)

    def _push(self, job: _Job, delay: float) -> None:
        heapq.heappush(self._due, (time.monotonic() + delay, next(self._sequence), job))
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="tiktok-emulator-webhooks", daemon=True)
            self._worker.start()
        self._condition.notify_all()

    def _record(self, job: _Job, outcome: Outcome, status_code: int | None, error: str | None) -> None:
        notification = job.notification
        self._attempts.append(
            DeliveryAttempt(
                tts_notification_id=notification.tts_notification_id,
                cancel_id=notification.cancel_id,
                cancel_status=notification.cancel_status,
                copy=job.copy,
                attempt=job.attempt,
                outcome=outcome,
                status_code=status_code,
                error=error,
                time=self._clock(),
            )
        )
        logger.info(
            "webhook %s cancel_id=%s %s copy %d attempt %d: %s %s",
            notification.tts_notification_id,
            notification.cancel_id,
            notification.cancel_status,
            job.copy,
            job.attempt,
            outcome,
            status_code if error is None else error,
        )

    # -- the worker ----------------------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._condition:
                job = self._next_due()
                if job is None:
                    return
                settings = self._settings
                self._in_flight += 1
            status_code, error = _post(settings, job.notification)
            with self._condition:
                self._in_flight -= 1
                self._settle(job, settings, status_code, error)
                self._condition.notify_all()

    def _next_due(self) -> _Job | None:
        """The next job once it is due; None when this thread is no longer the worker."""
        while self._worker is threading.current_thread():
            if self._due:
                wait = self._due[0][0] - time.monotonic()
                if wait <= 0:
                    return heapq.heappop(self._due)[2]
                self._condition.wait(wait)
            else:
                self._condition.wait()
        return None

    def _settle(
        self, job: _Job, settings: WebhookSettings, status_code: int | None, error: str | None
    ) -> None:
        if job.generation != self._generation:
            return
        if status_code == 200:
            self._record(job, "delivered", status_code, None)
            return
        delay = settings.retry_delay(job.attempt)
        if delay is None:
            self._record(job, "given_up", status_code, error)
            return
        self._record(job, "retrying", status_code, error)
        self._push(replace(job, attempt=job.attempt + 1), delay)


def _post(settings: WebhookSettings, notification: Notification) -> tuple[int | None, str | None]:
    """(HTTP status, None) or (None, what went wrong)."""
    if settings.url is None:
        return None, "delivery was turned off"
    body = notification.body
    # The scheme is http or https: WebhookSettings refuses any other.
    request = urllib.request.Request(  # noqa: S310
        settings.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": webhook_signature(settings.app_key, settings.app_secret, body),
        },
    )
    try:
        with _OPENER.open(request, timeout=ANSWER_TIMEOUT) as answer:
            answer.read()
            return int(answer.status), None
    except urllib.error.HTTPError as refused:
        refused.close()
        return refused.code, None
    except urllib.error.URLError as failed:
        return None, _described(failed.reason)
    except (OSError, http.client.HTTPException) as failed:  # a timeout or a reset while reading the answer
        return None, _described(failed)


def _described(reason: object) -> str:
    return f"{type(reason).__name__}: {reason}" if isinstance(reason, BaseException) else str(reason)
