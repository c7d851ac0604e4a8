"""The approval function keeps approving across a rotation of its secret, in the same warm container."""

from __future__ import annotations

import secrets_rotation
from approval import dependencies
from support.approvals import PENDING, SECRET_NAME, Aws, Invoke
from support.secret_rotation import InvokeStep, Secret
from tiktok_emulator import TikTokEmulator


def test_a_warm_function_picks_up_the_rotated_secret_on_its_first_refusal(
    invoke: Invoke, aws: Aws, emulator: TikTokEmulator, invoke_rotation_step: InvokeStep
):
    aws.put_credentials(refresh_token=emulator.refresh_token)
    assert (
        invoke({"cancel_id": PENDING[0]})["code"] == 0
    )  # credentials now cached for CREDENTIALS_CACHE_SECONDS
    warm_service = dependencies.approval_service()
    old_token = emulator.access_token

    secrets_rotation.rotate_secret(aws.secrets, SECRET_NAME, invoke_step=invoke_rotation_step)
    emulator.expire_token(old_token)  # what the seven days of an access token's life would do

    assert invoke({"cancel_id": PENDING[1]})["code"] == 0
    assert dependencies.approval_service() is warm_service  # no cold start: nothing was rebuilt
    rotated_token = Secret(aws.secrets, SECRET_NAME).value()["access_token"]
    assert rotated_token == emulator.access_token != old_token
    approvals = [call for call in emulator.recorder.calls if call.cancel_id == PENDING[1]]
    assert [call.code for call in approvals] == [105002, 0]
    assert [call.headers["x-tts-access-token"] for call in approvals] == [old_token, rotated_token]


def test_without_a_refusal_the_cached_credentials_keep_working_until_they_age_out(
    invoke: Invoke, aws: Aws, emulator: TikTokEmulator, invoke_rotation_step: InvokeStep
):
    # The old access token stays valid after a refresh: a warm container need not notice the rotation at once.
    aws.put_credentials(refresh_token=emulator.refresh_token)
    invoke({"cancel_id": PENDING[0]})
    old_token = emulator.access_token

    secrets_rotation.rotate_secret(aws.secrets, SECRET_NAME, invoke_step=invoke_rotation_step)

    assert invoke({"cancel_id": PENDING[1]})["code"] == 0
    [call] = [call for call in emulator.recorder.calls if call.cancel_id == PENDING[1]]
    assert call.headers["x-tts-access-token"] == old_token
