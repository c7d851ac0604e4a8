"""The environment make sam-local gives the SAM CLI: no real AWS credentials or profile, and an STS that
answers, so that SAM's GetCallerIdentity before every invoke does not sleep through botocore's retries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sam_local.sam_cli import sam_environment

CALLER_IDENTITY = "import boto3, json; print(json.dumps(boto3.client('sts').get_caller_identity()))"


@pytest.fixture
def real_looking_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKINGKEY01")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://example.invalid")


def test_sam_gets_no_profile_no_real_credentials_and_no_endpoint_of_the_caller(real_looking_aws):
    environment = sam_environment()

    assert "AWS_PROFILE" not in environment
    assert "AWS_ENDPOINT_URL" not in environment
    assert "AWS_ENDPOINT_URL_STS" not in environment
    assert environment["AWS_ACCESS_KEY_ID"] == "testing"
    assert environment["AWS_EC2_METADATA_DISABLED"] == "true"


def test_the_account_sam_asks_sts_for_comes_from_the_local_stacks_moto(real_looking_aws, moto_url):
    environment = sam_environment(moto_url)

    # The way the SAM CLI builds its STS client (boto3, the region and credentials of its environment).
    asked = subprocess.run(
        [sys.executable, "-c", CALLER_IDENTITY],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["Account"] == "123456789012"
