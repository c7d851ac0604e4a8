"""A failure in any step raises (failing the rotation loudly) and leaves AWSCURRENT exactly as it was."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError
from support.secret_rotation import Rotation, refresh_calls
from tiktok_emulator import Fault, TikTokEmulator


def fails_leaving_current_untouched(
    rotation: Rotation, step: str, token: str, error: str, match: str = ""
) -> None:
    before = rotation.secret.snapshot()
    with pytest.raises(Exception, match=match) as raised:
        rotation.step(step, token)
    assert type(raised.value).__name__ == error
    assert rotation.secret.snapshot() == before


# --- createSecret ------------------------------------------------------------------------------------------


def test_a_spent_refresh_token_fails_create(rotation: Rotation, tiktok_emulator: TikTokEmulator):
    token = rotation.start(str(uuid.uuid4()))
    tiktok_emulator.issue_refresh_token()  # the secret's refresh token is no longer the current one...
    tiktok_emulator.expire_refresh_token(rotation.secret.value()["refresh_token"])  # ...and has expired

    fails_leaving_current_untouched(rotation, "createSecret", token, "TikTokRefused", "36004005")
    assert rotation.secret.version_value(token) is None


def test_an_unknown_refresh_token_fails_create_with_a_hint(rotation: Rotation):
    rotation.secret.put({**rotation.secret.value(), "refresh_token": "never-issued"})
    token = rotation.start(str(uuid.uuid4()))

    fails_leaving_current_untouched(rotation, "createSecret", token, "TikTokRefused", "make authorize")


def test_a_wrong_app_secret_fails_create_without_showing_it(rotation: Rotation):
    rotation.secret.put({**rotation.secret.value(), "app_secret": "wrong-app-secret-value"})
    token = rotation.start(str(uuid.uuid4()))

    with pytest.raises(Exception, match="36009004") as raised:
        rotation.step("createSecret", token)

    assert "wrong-app-secret-value" not in str(raised.value)
    assert rotation.secret.value()["app_secret"] == "wrong-app-secret-value"


def test_tiktok_unavailable_fails_create_after_retries(rotation: Rotation, tiktok_emulator: TikTokEmulator):
    token = rotation.start(str(uuid.uuid4()))
    refresh_token = tiktok_emulator.refresh_token
    tiktok_emulator.inject_fault(Fault(kind="http_503"), times=None)

    fails_leaving_current_untouched(rotation, "createSecret", token, "TikTokRefused", "503")
    assert len(tiktok_emulator.recorder.calls) > 1  # retried
    assert tiktok_emulator.refresh_token == refresh_token  # never reached the endpoint


@pytest.mark.parametrize("key", ["app_key", "app_secret", "refresh_token"])
@pytest.mark.parametrize("value", [None, "", "REPLACE_ME"])
def test_a_secret_not_filled_in_fails_create_before_calling_tiktok(
    rotation: Rotation, tiktok_emulator: TikTokEmulator, key: str, value: str | None
):
    current = rotation.secret.value()
    if value is None:
        del current[key]
    else:
        current[key] = value
    rotation.secret.put(current)
    token = rotation.start(str(uuid.uuid4()))

    fails_leaving_current_untouched(rotation, "createSecret", token, "CredentialsIncomplete", key)
    assert tiktok_emulator.recorder.calls == []


def test_a_refresh_token_with_a_pasted_line_break_fails_create_before_calling_tiktok(
    rotation: Rotation, tiktok_emulator: TikTokEmulator
):
    rotation.secret.put({**rotation.secret.value(), "refresh_token": tiktok_emulator.refresh_token + "\n"})
    token = rotation.start(str(uuid.uuid4()))

    fails_leaving_current_untouched(rotation, "createSecret", token, "CredentialsIncomplete", "refresh_token")
    assert refresh_calls(tiktok_emulator) == 0


def test_the_deployed_placeholder_secret_fails_create(rotation: Rotation, tiktok_emulator: TikTokEmulator):
    rotation.secret.put(dict.fromkeys(rotation.secret.value(), "REPLACE_ME"))
    token = rotation.start(str(uuid.uuid4()))

    fails_leaving_current_untouched(
        rotation, "createSecret", token, "CredentialsIncomplete", "make authorize"
    )
    assert tiktok_emulator.recorder.calls == []


def test_a_current_value_that_is_not_json_fails_create(rotation: Rotation):
    rotation.secret.client.put_secret_value(SecretId=rotation.secret.name, SecretString="not json {")
    token = rotation.start(str(uuid.uuid4()))

    with pytest.raises(Exception, match="not a JSON object") as raised:
        rotation.step("createSecret", token)
    assert "not json" not in str(raised.value)


# --- setSecret ---------------------------------------------------------------------------------------------


def test_set_for_a_version_that_is_not_pending_fails(rotation: Rotation):
    rotation.start(str(uuid.uuid4()))

    fails_leaving_current_untouched(rotation, "setSecret", str(uuid.uuid4()), "VersionNotPending", "no stage")


# --- testSecret --------------------------------------------------------------------------------------------


def test_a_new_access_token_tiktok_refuses_fails_test(rotation: Rotation, tiktok_emulator: TikTokEmulator):
    token = rotation.start(str(uuid.uuid4()))
    rotation.step("createSecret", token)
    rotation.step("setSecret", token)
    tiktok_emulator.revoke_token(rotation.secret.version_value(token)["access_token"])

    fails_leaving_current_untouched(rotation, "testSecret", token, "TikTokRefused", "36009004")


def test_test_before_create_fails(rotation: Rotation):
    token = rotation.start(str(uuid.uuid4()))

    fails_leaving_current_untouched(rotation, "testSecret", token, "PendingValueMissing", "createSecret")


def test_a_shop_cipher_no_longer_authorized_fails_test(rotation: Rotation, tiktok_emulator: TikTokEmulator):
    rotation.secret.put({**rotation.secret.value(), "shop_cipher": "ROW_revoked_shop"})
    token = rotation.start(str(uuid.uuid4()))
    rotation.step("createSecret", token)

    fails_leaving_current_untouched(rotation, "testSecret", token, "ShopCipherNotAuthorized", "not among")
    assert rotation.secret.version_value(token)["shop_cipher"] == "ROW_revoked_shop"


def test_a_pending_value_the_approver_could_not_read_fails_test(rotation: Rotation):
    token = rotation.start(str(uuid.uuid4()))
    rotation.step("createSecret", token)
    broken = {**rotation.secret.version_value(token), "access_token_expire_in": "tomorrow"}
    # Another rotation, whose pending value was written by hand instead of by createSecret.
    other = rotation.start(str(uuid.uuid4()))
    rotation.secret.client.put_secret_value(
        SecretId=rotation.secret.name, ClientRequestToken=other, SecretString=json.dumps(broken),
        VersionStages=["AWSPENDING"],
    )  # fmt: skip

    fails_leaving_current_untouched(
        rotation, "testSecret", other, "CredentialsIncomplete", "access_token_expire_in"
    )


# --- finishSecret ------------------------------------------------------------------------------------------


def test_secrets_manager_failing_to_move_the_label_fails_finish(rotation: Rotation):
    token = rotation.start(str(uuid.uuid4()))
    for step in ("createSecret", "setSecret", "testSecret"):
        rotation.step(step, token)

    from rotation import dependencies

    def refuse(**kwargs: object) -> None:
        raise ClientError(
            {"Error": {"Code": "InternalServiceError", "Message": "injected"}}, "UpdateSecretVersionStage"
        )

    events = dependencies.rotator()._secrets.meta.events  # the function's own client
    events.register("before-call.secrets-manager.UpdateSecretVersionStage", refuse)
    try:
        fails_leaving_current_untouched(rotation, "finishSecret", token, "ClientError", "injected")
    finally:
        events.unregister("before-call.secrets-manager.UpdateSecretVersionStage", refuse)
    rotation.step("finishSecret", token)  # Secrets Manager's retry
    assert rotation.secret.current_version() == token


def test_finish_for_a_version_that_is_not_pending_fails(rotation: Rotation):
    previous = rotation.secret.current_version()
    rotation.rotate()

    fails_leaving_current_untouched(rotation, "finishSecret", previous, "VersionNotPending", "not AWSPENDING")


# --- every step ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["createSecret", "setSecret", "testSecret", "finishSecret"])
def test_a_secret_not_enabled_for_rotation_is_refused(
    rotation: Rotation, tiktok_emulator: TikTokEmulator, step: str
):
    # A pending version made by hand: Secrets Manager never started a rotation.
    token = str(uuid.uuid4())
    rotation.secret.client.put_secret_value(
        SecretId=rotation.secret.name, ClientRequestToken=token, SecretString=json.dumps(rotation.secret.value()),
        VersionStages=["AWSPENDING"],
    )  # fmt: skip

    fails_leaving_current_untouched(rotation, step, token, "RotationNotEnabled", "not enabled for rotation")
    assert refresh_calls(tiktok_emulator) == 0


@pytest.mark.parametrize("step", ["createSecret", "setSecret", "testSecret", "finishSecret"])
def test_an_unknown_version_is_refused(rotation: Rotation, step: str):
    rotation.start(str(uuid.uuid4()))

    fails_leaving_current_untouched(
        rotation, step, str(uuid.uuid4()), "VersionNotPending", "no stage for rotation"
    )


@pytest.mark.parametrize("step", ["createSecret", "setSecret", "testSecret", "finishSecret"])
def test_a_previous_version_is_refused(rotation: Rotation, step: str):
    previous = rotation.secret.current_version()
    rotation.rotate()
    rotation.start(str(uuid.uuid4()))  # a rotation in progress: rotation is on, another version pending

    fails_leaving_current_untouched(rotation, step, previous, "VersionNotPending", "AWSPREVIOUS")


def test_an_unknown_step_is_refused(rotation: Rotation):
    token = rotation.start(str(uuid.uuid4()))

    fails_leaving_current_untouched(rotation, "deleteSecret", token, "ValueError", "unknown rotation step")


def test_a_failed_rotation_can_be_started_again(rotation: Rotation, tiktok_emulator: TikTokEmulator):
    tiktok_emulator.inject_fault(Fault(kind="http_503"), times=None)
    with pytest.raises(Exception, match="503"):
        rotation.rotate()
    tiktok_emulator.clear_faults()

    token = rotation.rotate()

    assert rotation.secret.current_version() == token


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"SecretId": "s", "Step": "createSecret"},
        {"SecretId": "s", "ClientRequestToken": 5, "Step": "testSecret"},
    ],
)
def test_an_event_that_is_not_a_rotation_step_is_refused(rotation: Rotation, event: dict):
    with pytest.raises(ValueError, match="not a Secrets Manager rotation event"):
        rotation.invoke_step(event)
