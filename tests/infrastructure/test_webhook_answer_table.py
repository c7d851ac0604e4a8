"""README's webhook answer table is OUTCOMES (functions/webhook_intake/webhook_intake/outcomes.py), row for row."""

from __future__ import annotations

from support.cfn_template import ROOT
from webhook_intake.outcomes import OUTCOMES


def test_every_outcome_has_its_row_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for outcome, answer in OUTCOMES.items():
        row = f"| {int(answer.http_status)} | `{outcome.value}` | `{answer.metric}` | {answer.when} |"
        assert row in readme, outcome


def test_tiktok_is_told_to_retry_only_what_was_not_kept():
    for outcome, answer in OUTCOMES.items():
        expected = {
            200: "WebhookAccepted",
            401: "WebhookRefused",
            413: "WebhookRefused",
            400: "WebhookRefused",
        }
        assert answer.metric == expected.get(int(answer.http_status), "WebhookFailed"), outcome
        assert int(answer.http_status) in (200, 400, 401, 413, 503), outcome
