"""local/secrets_rotation.py: plays Secrets Manager's part well enough that moto ends where AWS would."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import secrets_rotation
from support.secret_rotation import Rotation


def test_a_rotation_sends_the_four_steps_in_order_with_one_token(rotation: Rotation):
    sent: list[dict[str, str]] = []

    def record(event: dict[str, str]) -> None:
        sent.append(event)
        rotation.invoke_step(event)

    token = secrets_rotation.rotate_secret(rotation.secret.client, rotation.secret.name, invoke_step=record)

    assert [event["Step"] for event in sent] == ["createSecret", "setSecret", "testSecret", "finishSecret"]
    assert {event["ClientRequestToken"] for event in sent} == {token}
    assert {event["SecretId"] for event in sent} == {rotation.secret.name}


def test_start_leaves_a_pending_version_without_a_value_and_rotation_on(rotation: Rotation):
    token = rotation.start(str(uuid.uuid4()))

    described = rotation.secret.client.describe_secret(SecretId=rotation.secret.name)
    assert described["RotationEnabled"] is True
    assert described["VersionIdsToStages"][token] == ["AWSPENDING"]
    assert rotation.secret.version_value(token) is None


def test_after_a_rotation_reads_and_writes_go_by_the_new_version(rotation: Rotation):
    client, name = rotation.secret.client, rotation.secret.name
    token = rotation.rotate()

    assert json.loads(client.get_secret_value(SecretId=name)["SecretString"]) == rotation.secret.value()
    assert client.get_secret_value(SecretId=name)["VersionId"] == token
    assert not any("AWSPENDING" in stages for stages in rotation.secret.stages().values())

    rotation.secret.put({**rotation.secret.value(), "note": "written after the rotation"})

    current = [v for v, stages in rotation.secret.stages().items() if "AWSCURRENT" in stages]
    assert len(current) == 1
    assert rotation.secret.stages()[token] == ["AWSPREVIOUS"]
    assert (
        json.loads(client.get_secret_value(SecretId=name)["SecretString"])["note"]
        == "written after the rotation"
    )


def test_a_failed_step_stops_the_rotation_there(rotation: Rotation):
    sent: list[str] = []

    def fail_the_test(event: dict[str, str]) -> None:
        sent.append(event["Step"])
        if event["Step"] == "testSecret":
            raise RuntimeError("refused")
        rotation.invoke_step(event)

    with pytest.raises(RuntimeError, match="refused"):
        secrets_rotation.rotate_secret(
            rotation.secret.client, rotation.secret.name, invoke_step=fail_the_test
        )
    assert sent == ["createSecret", "setSecret", "testSecret"]


class SecretsManagerWithoutRotation:
    """A backend whose RotateSecret neither fails nor does anything."""

    def rotate_secret(self, **kwargs: Any) -> dict[str, Any]:
        return {}

    def describe_secret(self, **kwargs: Any) -> dict[str, Any]:
        return {"VersionIdsToStages": {"other": ["AWSCURRENT"]}}


def test_a_backend_that_does_not_start_the_rotation_is_reported():
    with pytest.raises(secrets_rotation.RotationNotStarted, match="cannot start a rotation"):
        secrets_rotation.start_rotation(SecretsManagerWithoutRotation(), "s", "token")
