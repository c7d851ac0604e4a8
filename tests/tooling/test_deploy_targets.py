"""make deploy / logs / outputs: the SAM CLI commands they build from samconfig.toml, and their stop without AWS
credentials or a region. Nothing here reaches AWS: DRY_RUN=1 prints the command, the credential and region
checks come first, and AWS_ENDPOINT_URL names a closed port wherever credentials are given."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDED_ANSWERS = """\
version = 0.1
[default.global.parameters]
stack_name = "tiktok-cancellation-approver"
[default.deploy.parameters]
stack_name = "approver-staging"
region = "eu-west-1"
capabilities = "CAPABILITY_IAM"
"""


FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # the discard port: nothing listens, should anything be sent
}


def offline_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    """No credentials anywhere boto3 looks, and no instance metadata lookup (loopback only)."""
    # No AWS_*, and none of an outer make's variables (make pytest): the shell of a user who types the command.
    keep = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_") and name not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")
    }
    return {
        **keep,
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        **variables,
    }


def make(tmp_path: Path, *arguments: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *arguments],
        cwd=ROOT,
        env=offline_env(tmp_path, **variables),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def deployed_stack(tmp_path: Path, *arguments: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / ".venv/bin/python"), "scripts/deployed_stack.py", *arguments],
        cwd=ROOT,
        env=offline_env(tmp_path, **variables),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_first_deploy_of_a_clone_is_guided(tmp_path):
    """The committed samconfig.toml has no saved stack_name and region in its deploy section."""
    printed = make(tmp_path, "deploy", "DRY_RUN=1")

    assert printed.returncode == 0, printed.stderr
    assert "first deploy from this clone" in printed.stdout
    assert printed.stdout.splitlines()[-1] == (
        ".venv-sam/bin/sam deploy --config-file samconfig.toml "
        "--template-file .aws-sam/build/template.yaml --guided"
    )


def test_a_deploy_after_the_guided_one_runs_from_the_saved_answers(tmp_path):
    config = tmp_path / "samconfig.toml"
    config.write_text(GUIDED_ANSWERS)

    printed = deployed_stack(tmp_path, "--config-file", str(config), "deploy", "--dry-run")
    again = deployed_stack(tmp_path, "--config-file", str(config), "deploy", "--dry-run", "--guided")

    command = printed.stdout.strip()
    assert command.startswith(f".venv-sam/bin/sam deploy --config-file {config} --template-file ")
    assert "--guided" not in command
    assert "--no-fail-on-empty-changeset" in command
    assert again.stdout.strip().endswith("--guided")  # GUIDED=1: ask again


def test_deploy_args_reach_sam(tmp_path):
    printed = make(
        tmp_path, "deploy", "DRY_RUN=1", "DEPLOY_ARGS=--parameter-overrides AlarmEmail=ops@example.com"
    )

    assert printed.stdout.splitlines()[-1].endswith(
        "--guided --parameter-overrides AlarmEmail=ops@example.com"
    )


@pytest.mark.parametrize("environment", [{}, {"AWS_REGION": "us-west-2"}], ids=["", "AWS_REGION set"])
def test_logs_and_outputs_name_the_saved_stack_and_region(tmp_path, environment):
    """The saved region is the stack's: the SAM CLI takes it as --region, over the environment's."""
    config = tmp_path / "samconfig.toml"
    config.write_text(GUIDED_ANSWERS)

    logs = deployed_stack(
        tmp_path, "--config-file", str(config), "logs", "--dry-run", "--tail", **environment
    )
    outputs = deployed_stack(tmp_path, "--config-file", str(config), "outputs", "--dry-run", **environment)

    assert logs.stdout.strip() == (
        f".venv-sam/bin/sam logs --config-file {config} --stack-name approver-staging --region eu-west-1 "
        "--name ApproveCancellationFunction --tail"
    )
    assert outputs.stdout.strip() == (
        f".venv-sam/bin/sam list stack-outputs --config-file {config} --stack-name approver-staging "
        "--region eu-west-1"
    )


@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
def test_without_a_saved_region_the_environments_reaches_sam(tmp_path, variable):
    """The SAM CLI reads only AWS_DEFAULT_REGION: AWS_REGION is handed to it as --region."""
    printed = make(tmp_path, "outputs", "DRY_RUN=1", **{variable: "eu-west-3"})

    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.strip().endswith("--stack-name tiktok-cancellation-approver --region eu-west-3")


def test_make_logs_follows_with_tail(tmp_path):
    printed = make(tmp_path, "logs", "DRY_RUN=1", "TAIL=1")
    plain = make(tmp_path, "logs", "DRY_RUN=1")

    assert printed.stdout.strip().endswith(
        "--stack-name tiktok-cancellation-approver --name ApproveCancellationFunction --tail"
    )
    assert not plain.stdout.strip().endswith("--tail")


@pytest.mark.parametrize("target", ["deploy", "logs", "outputs"])
def test_without_credentials_each_target_stops_at_once_and_says_how_to_get_them(tmp_path, target):
    stopped = make(tmp_path, target)

    assert stopped.returncode != 0
    assert f"make {target}: no AWS credentials found" in stopped.stderr
    assert "AWS_PROFILE" in stopped.stderr
    assert "sam build" not in stopped.stdout + stopped.stderr  # stopped before building anything


def test_a_deploy_without_a_build_is_refused(tmp_path, monkeypatch):
    import deployed_stack as module  # scripts/ is on pytest's pythonpath

    monkeypatch.setattr(module, "BUILT_TEMPLATE", tmp_path / "missing" / "template.yaml")
    assert module.main(["deploy"]) == module.EXIT_NOT_BUILT


@pytest.mark.parametrize("target", ["logs", "outputs"])
def test_without_a_region_logs_and_outputs_stop_and_say_how_to_set_one(tmp_path, target):
    # The committed samconfig.toml saves no region; the credentials are there.
    stopped = make(tmp_path, target, **FAKE_CREDENTIALS)

    assert stopped.returncode != 0
    message = [line for line in stopped.stderr.splitlines() if not line.startswith("make: *** ")]
    assert message == [
        f"make {target}: no AWS region: AWS_REGION, AWS_DEFAULT_REGION, samconfig.toml and the AWS profile name "
        "none; `export AWS_REGION=<the stack's region>` (e.g. us-east-1), or run `make deploy` first (it saves "
        "the region in samconfig.toml); nothing was sent to AWS"
    ]
    assert "Error 4" in stopped.stderr
    assert "$ .venv-sam/bin/sam" not in stopped.stdout  # sam never ran


def test_an_unknown_profile_stops_deploy_without_a_type_name(tmp_path):
    stopped = make(tmp_path, "deploy", AWS_PROFILE="nope")

    assert stopped.returncode != 0
    assert "make deploy: no AWS profile 'nope' in ~/.aws/config" in stopped.stderr
    assert "ProfileNotFound" not in stopped.stderr
    assert "Traceback" not in stopped.stderr
    assert "sam build" not in stopped.stdout + stopped.stderr
