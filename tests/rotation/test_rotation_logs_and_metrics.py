"""What the rotation function writes: JSON log lines, EMF metrics, and never a secret, token or sign."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator

import pytest
from support.powertools_output import captured_output
from support.secret_rotation import Rotation
from tiktok_emulator import AuthorizedShop, TikTokEmulator

DAY = 24 * 3600


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], str]]:
    """Everything the function wrote: log lines (its Logger's handler) and EMF metrics (stdout)."""
    from rotation.observability import logger

    with captured_output(logger, capsys) as read:
        yield read


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def metric_values(text: str, name: str) -> list[dict]:
    return [blob for blob in lines(text) if "_aws" in blob and name in blob]


def test_no_secret_token_or_sign_in_any_log_line_or_error(
    rotation: Rotation, tiktok_emulator: TikTokEmulator, output: Callable[[], str]
):
    secret_values = [rotation.secret.value()[key] for key in ("app_secret", "access_token", "refresh_token")]
    errors = []
    rotation.rotate()
    secret_values += [rotation.secret.value()[key] for key in ("access_token", "refresh_token")]
    # A refused refresh, then an ambiguous shop list after a refresh, then a wrong app secret.
    tiktok_emulator.expire_refresh_token()
    with pytest.raises(Exception) as refused:  # noqa: PT011 - any failure will do; its text is what matters
        rotation.rotate()
    errors.append(str(refused.value))
    fresh = tiktok_emulator.issue_refresh_token()
    secret_values.append(fresh)
    rotation.secret.put({**rotation.secret.value(), "refresh_token": fresh, "shop_cipher": "REPLACE_ME"})
    tiktok_emulator.set_authorized_shops([AuthorizedShop("A"), AuthorizedShop("B")])
    tiktok_emulator.expire_token(rotation.secret.value()["access_token"])
    with pytest.raises(Exception) as ambiguous:  # noqa: PT011
        rotation.rotate()
    errors.append(str(ambiguous.value))
    secret_values += [tiktok_emulator.access_token, tiktok_emulator.refresh_token]
    rotation.secret.put({**rotation.secret.value(), "app_secret": "wrong-app-secret-value"})
    secret_values.append("wrong-app-secret-value")
    with pytest.raises(Exception) as wrong_secret:  # noqa: PT011
        rotation.rotate()
    errors.append(str(wrong_secret.value))

    text = output()
    assert "createSecret: new tokens stored as AWSPENDING" in text  # the capture did see the function's logs
    assert "rotation step failed" in text
    signs = [call.query["sign"] for call in tiktok_emulator.recorder.calls if "sign" in call.query]
    assert len(signs) >= 2
    assert len(set(secret_values)) >= 7
    for value in secret_values + signs:
        assert value not in text
        assert all(value not in error for error in errors)


def test_log_lines_name_the_step_secret_and_version(rotation: Rotation, output: Callable[[], str]):
    token = rotation.rotate()

    logged = [line for line in lines(output()) if "message" in line]
    steps = {line["step"] for line in logged}
    assert steps == {"createSecret", "setSecret", "testSecret", "finishSecret"}
    assert {line["version_id"] for line in logged} == {token}
    assert {line["secret_id"] for line in logged} == {rotation.secret.name}
    assert all(line["function_name"] == "RotateCredentialsFunction" for line in logged)


def test_days_left_on_the_refresh_token_are_reported_at_every_refresh(
    rotation: Rotation, tiktok_emulator: TikTokEmulator, output: Callable[[], str]
):
    rotation.rotate()

    text = output()
    [days_left] = metric_values(text, "RefreshTokenDaysLeft")
    assert days_left["RefreshTokenDaysLeft"] in ([364], [365])
    assert days_left["RefreshTokenExpiringSoon"] == [0]
    assert days_left["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "TikTokShop"
    assert days_left["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    assert "expires soon" not in text


def test_a_refresh_token_near_its_expiry_is_flagged(
    rotation: Rotation, output: Callable[[], str], monkeypatch: pytest.MonkeyPatch
):
    from rotation import dependencies

    monkeypatch.setenv("REFRESH_TOKEN_WARNING_DAYS", "400")
    dependencies.reset()

    rotation.rotate()

    text = output()
    [blob] = metric_values(text, "RefreshTokenExpiringSoon")
    assert blob["RefreshTokenExpiringSoon"] == [1]
    warnings = [line for line in lines(text) if line.get("level") == "WARNING"]
    assert warnings[0]["message"].startswith("the refresh token expires soon")
    assert warnings[0]["days_left"] in (364, 365)


def test_a_failed_step_is_counted_by_step(rotation: Rotation, output: Callable[[], str]):
    token = rotation.start(str(uuid.uuid4()))
    with pytest.raises(Exception, match="createSecret did not complete"):
        rotation.step("testSecret", token)

    [failed] = metric_values(output(), "RotationFailed")
    assert failed["RotationFailed"] == [1]
    assert failed["step"] == "testSecret"
    assert failed["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["step"]]
