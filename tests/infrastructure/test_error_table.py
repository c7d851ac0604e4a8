"""The README's error table is the rendering of approval/errors.py's OUTCOMES (one rule, one place)."""

import re

from error_table import README, readme_block, render


def test_the_readme_error_table_is_generated_from_the_outcomes():
    assert readme_block(README.read_text(encoding="utf-8")) == render(), "run `make error-table`"


def test_every_tiktok_code_reaches_some_row():
    from tiktok_shop.codes import TikTokCode

    table = render()
    unlisted = [code for code in TikTokCode if code != TikTokCode.SUCCESS and str(int(code)) not in table]
    assert unlisted == []


def test_the_operations_doc_names_every_failure_reason():
    from approval.errors import OUTCOMES

    text = (README.parent / "docs" / "operations.md").read_text(encoding="utf-8")
    listed = re.search(r"`ApprovalFailed` \(dimension `reason`: (.*?)\)", text, re.DOTALL)
    assert listed is not None
    named = set(re.findall(r"`(\w+)`", listed.group(1)))
    assert named == {outcome.reason for outcome in OUTCOMES.values() if not outcome.api_only}


def test_the_readmes_step_functions_lists_name_every_direct_error_by_what_to_do():
    # Step Functions matches errorType names exactly, not by class: a kind missing here is never retried.
    from approval.errors import OUTCOMES

    text = " ".join(README.read_text(encoding="utf-8").split())
    retry = re.search(r"`Retry` on `\[(.*?)\]`", text)
    catch = re.search(r"`Catch` the others \((.*?)\)", text)
    assert retry is not None
    assert catch is not None
    direct = {kind.__name__: row for kind, row in OUTCOMES.items() if not row.api_only}
    assert set(re.findall(r'"(\w+)"', retry.group(1))) == {n for n, row in direct.items() if row.retryable}
    assert set(re.findall(r"`(\w+)`", catch.group(1))) == {
        n for n, row in direct.items() if not row.retryable
    }
