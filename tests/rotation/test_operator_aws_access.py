"""make authorize (both modes), make shops, make remove-seller and make webhooks as an operator meets them: which AWS region
they use (AWS_REGION, AWS_DEFAULT_REGION, else samconfig.toml's), and the one line they end with when the
region, the credentials or AWS itself are missing. Each runs in a clean environment: no AWS_* variable, HOME a
temporary directory (no ~/.aws), no instance metadata; the regions are told apart by moto, which keeps each
region's resources apart (a table, a secret or a stack made in one region is not found from another)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import aws_access
import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, ProfileNotFound
from operator_common import EXIT_FAILED, run
from support.cfn_template import resource, table_schema
from support.moto_server import reset_moto
from tiktok_emulator import TikTokEmulator

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv/bin/python")
OPERATOR_PYTHONPATH = "layers/tiktok_shop"
TABLE = "ShopsTable"
PREFIX = "tiktok-shop/sellers/"
# The variables an operator's shell may hold that would change what the commands do.
OPERATOR_VARIABLES = ("SHOPS_TABLE", "SELLER_SECRET_PREFIX", "ROTATE_CREDENTIALS_FUNCTION_ARN", "TIKTOK_")
SELLER_COMMANDS = {
    "authorize": ["authorize", "CODE=some-code", "SECRET_ID=tiktok-shop/credentials"],
    "authorize SELLER=": ["authorize", "CODE=some-code", "SELLER=acme"],
    "shops": ["shops"],
    "remove-seller": ["remove-seller", "SELLER=acme"],
    "webhooks": ["webhooks", "SHOP=7000000000000000001"],
}


def prog_of(command: list[str]) -> str:
    """The script a make target runs, as its one line names it."""
    return command[0] if command[0] in ("authorize", "webhooks") else "shops"


def clean_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    keep = {
        name: value
        for name, value in os.environ.items()
        # Nor an outer make's variables (make pytest): the shell of a user who types the command.
        if not name.startswith(("AWS_", *OPERATOR_VARIABLES))
        and name not in ("PYTHONPATH", "MAKELEVEL", "MAKEFLAGS", "MFLAGS")
    }
    return {
        **keep,
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_MAX_ATTEMPTS": "1",
        **variables,
    }


def moto_variables(moto_url: str, **variables: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        **variables,
    }


def make(tmp_path: Path, *arguments: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *arguments],
        cwd=ROOT,
        env=clean_env(tmp_path, **variables),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def script(tmp_path: Path, *arguments: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """A script as make runs it (the same PYTHONPATH), for the flags make does not pass (--config-file)."""
    return subprocess.run(
        [PYTHON, *arguments],
        cwd=ROOT,
        env=clean_env(tmp_path, PYTHONPATH=OPERATOR_PYTHONPATH, **variables),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def the_one_line(done: subprocess.CompletedProcess[str], prog: str) -> str:
    """The script's message: its only line on stderr, apart from make's own "Error N" line."""
    assert "Traceback" not in done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.startswith("make: *** ")]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{prog}: "), done.stderr
    return lines[0]


def script_exit_code(done: subprocess.CompletedProcess[str]) -> int:
    """make exits 2 whenever a recipe fails and names the recipe's exit code as "Error N"."""
    assert done.returncode == 2, done.stdout + done.stderr
    return int(done.stderr.rsplit("Error ", 1)[1].split()[0])


@pytest.fixture
def moto(moto_url: str) -> str:
    reset_moto(moto_url)
    return moto_url


def aws(moto_url: str, service: str, region: str) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=moto_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def shop_directory(moto_url: str, region: str) -> None:
    aws(moto_url, "dynamodb", region).create_table(TableName=TABLE, **table_schema("ShopsTable"))


def deployed_stack(moto_url: str, region: str, name: str = "approver") -> None:
    """A stack whose outputs name the shop directory and the sellers' prefix, as the template's do."""
    outputs = {"ShopsTableName": TABLE, "SellerSecretPrefix": PREFIX}
    aws(moto_url, "cloudformation", region).create_stack(
        StackName=name,
        TemplateBody=json.dumps({
            "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {key: {"Value": value} for key, value in outputs.items()},
        }),
    )  # fmt: skip


def samconfig(tmp_path: Path, text: str) -> str:
    path = tmp_path / "samconfig.toml"
    path.write_text("version = 0.1\n" + text)
    return str(path)


# --- no region, no credentials, no such profile: one line, exit 3 (NOT_CONFIGURED), nothing done -----------


@pytest.mark.parametrize("command", SELLER_COMMANDS.values(), ids=SELLER_COMMANDS.keys())
def test_without_a_region_each_command_says_how_to_set_one(tmp_path: Path, command: list[str]):
    # The repository's samconfig.toml saves no region: the state of a clone before `make deploy`.
    done = make(tmp_path, *command)

    prog = prog_of(command)
    line = the_one_line(done, prog)
    assert line.startswith(f"{prog}: no AWS region: AWS_REGION, AWS_DEFAULT_REGION, samconfig.toml and ")
    assert "`export AWS_REGION=<the stack's region>`" in line
    assert "`make deploy` first" in line
    assert line.endswith("; nothing done")
    assert "NoRegionError" not in done.stderr
    assert script_exit_code(done) == 3


@pytest.mark.parametrize("command", SELLER_COMMANDS.values(), ids=SELLER_COMMANDS.keys())
def test_without_credentials_each_command_says_which_and_how_to_set_them(tmp_path: Path, command: list[str]):
    done = make(tmp_path, *command, AWS_REGION="eu-west-1")

    line = the_one_line(done, prog_of(command))
    assert "no AWS credentials found (looked in the environment, ~/.aws, SSO or an instance role)" in line
    assert "`export AWS_PROFILE=<profile>`" in line
    assert "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in line
    assert script_exit_code(done) == 3


def test_a_region_that_is_no_region_name_is_refused_in_one_line(tmp_path: Path):
    done = make(tmp_path, "shops", **moto_variables("http://127.0.0.1:9", AWS_REGION="eu west 1"))

    line = the_one_line(done, "shops")
    assert line.startswith("shops: AWS_REGION names 'eu west 1', which is not an AWS region's name; `export ")
    assert script_exit_code(done) == 3


def test_a_broken_samconfig_is_one_line(tmp_path: Path):
    config = samconfig(tmp_path, "[default.deploy.parameters\n")

    done = script(tmp_path, "scripts/shops.py", "list", f"--config-file={config}", AWS_REGION="eu-west-1")

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"{config} is not valid TOML (")
    assert len(done.stderr.splitlines()) == 1


def test_an_unknown_profile_is_named_without_a_type_name(tmp_path: Path):
    done = make(tmp_path, "shops", AWS_REGION="eu-west-1", AWS_PROFILE="nope")

    line = the_one_line(done, "shops")
    assert line.startswith("shops: no AWS profile 'nope' in ~/.aws/config")
    assert "ProfileNotFound" not in done.stderr
    assert script_exit_code(done) == 3


# --- the region used: AWS_REGION, AWS_DEFAULT_REGION, else samconfig.toml's --------------------------------


@pytest.mark.parametrize(
    "variables",
    [("AWS_REGION",), ("AWS_DEFAULT_REGION",), ("AWS_REGION", "AWS_DEFAULT_REGION")],
    ids=["AWS_REGION", "AWS_DEFAULT_REGION", "both, as LOCAL=1 sets them"],
)
def test_make_shops_uses_the_region_of_either_variable(tmp_path: Path, moto: str, variables: tuple[str, ...]):
    shop_directory(moto, "eu-west-1")  # in no other region

    done = make(
        tmp_path, "shops", **moto_variables(moto, SHOPS_TABLE=TABLE, SELLER_SECRET_PREFIX=PREFIX,
                                            **dict.fromkeys(variables, "eu-west-1"))
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"No shop in {TABLE}")
    assert done.stderr == ""


def test_aws_region_wins_over_a_different_aws_default_region_and_says_so(tmp_path: Path, moto: str):
    shop_directory(moto, "eu-west-1")

    done = make(
        tmp_path, "shops", **moto_variables(moto, SHOPS_TABLE=TABLE, SELLER_SECRET_PREFIX=PREFIX,
                                            AWS_REGION="eu-west-1", AWS_DEFAULT_REGION="us-east-1")
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "note: AWS_REGION (eu-west-1) and AWS_DEFAULT_REGION (us-east-1) differ: using eu-west-1; AWS_REGION "
        "wins, as in the AWS CLI"
    ]


def test_make_authorize_uses_aws_region_alone(tmp_path: Path, moto: str, tiktok_emulator: TikTokEmulator):
    """The case of the issue: AWS_REGION set, AWS_DEFAULT_REGION not, which boto3 alone would not read."""
    placeholders = resource("TikTokCredentialsSecret")["Properties"]["SecretString"]
    aws(moto, "secretsmanager", "eu-west-1").create_secret(
        Name="tiktok-shop/credentials", SecretString=placeholders
    )

    done = make(
        tmp_path, "authorize", f"CODE={tiktok_emulator.issue_auth_code()}", "SECRET_ID=tiktok-shop/credentials",
        **moto_variables(moto, AWS_REGION="eu-west-1", TIKTOK_APP_KEY=tiktok_emulator.app_key,
                         TIKTOK_APP_SECRET=tiktok_emulator.app_secret, TIKTOK_AUTH_BASE_URL=tiktok_emulator.url,
                         TIKTOK_API_BASE_URL=tiktok_emulator.url),
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "Stored the tokens of Emulator Seller in tiktok-shop/credentials" in done.stdout
    stored = aws(moto, "secretsmanager", "eu-west-1").get_secret_value(SecretId="tiktok-shop/credentials")
    assert json.loads(stored["SecretString"])["access_token"] == tiktok_emulator.access_token


def test_a_seller_is_onboarded_in_the_region_of_aws_default_region(
    tmp_path: Path, moto: str, tiktok_emulator: TikTokEmulator
):
    shop_directory(moto, "eu-west-1")
    config = samconfig(tmp_path, "")  # no stack: everything from the environment

    done = script(
        tmp_path, "scripts/authorize.py", f"--code={tiktok_emulator.issue_auth_code()}", "--seller=acme",
        "--no-rotation", f"--config-file={config}",
        **moto_variables(moto, AWS_DEFAULT_REGION="eu-west-1", SHOPS_TABLE=TABLE, SELLER_SECRET_PREFIX=PREFIX,
                         TIKTOK_APP_KEY=tiktok_emulator.app_key, TIKTOK_APP_SECRET=tiktok_emulator.app_secret,
                         TIKTOK_AUTH_BASE_URL=tiktok_emulator.url, TIKTOK_API_BASE_URL=tiktok_emulator.url),
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert [s["Name"] for s in aws(moto, "secretsmanager", "eu-west-1").list_secrets()["SecretList"]] == [
        PREFIX + "acme"
    ]
    assert aws(moto, "secretsmanager", "us-east-1").list_secrets()["SecretList"] == []


def test_samconfig_region_and_stack_are_used_when_the_environment_names_no_region(tmp_path: Path, moto: str):
    deployed_stack(moto, "eu-west-2")
    shop_directory(moto, "eu-west-2")
    config = samconfig(
        tmp_path, '[default.deploy.parameters]\nstack_name = "approver"\nregion = "eu-west-2"\n'
    )

    listed = script(tmp_path, "scripts/shops.py", "list", f"--config-file={config}", **moto_variables(moto))
    removed = script(
        tmp_path,
        "scripts/shops.py",
        "remove-seller",
        "acme",
        f"--config-file={config}",
        **moto_variables(moto),
    )

    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith(f"No shop in {TABLE}")
    assert (
        the_one_line(removed, "shops")
        == f"shops: no seller secret {PREFIX}acme and no shop of it in the directory"
    )
    assert removed.returncode == 5  # the stack and its table were found; the seller was not


def test_a_set_aws_region_keeps_samconfigs_stack_name(tmp_path: Path, moto: str):
    """AWS_REGION once made the seller commands drop what samconfig.toml saved."""
    deployed_stack(moto, "eu-west-2")
    shop_directory(moto, "eu-west-2")
    config = samconfig(tmp_path, '[default.global.parameters]\nstack_name = "approver"\n')

    listed = script(
        tmp_path, "scripts/shops.py", "list", f"--config-file={config}", **moto_variables(moto, AWS_REGION="eu-west-2")
    )  # fmt: skip

    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith(f"No shop in {TABLE}")


def test_the_environments_region_wins_over_samconfigs_and_a_refusal_names_it(tmp_path: Path, moto: str):
    deployed_stack(moto, "eu-west-2")
    config = samconfig(
        tmp_path, '[default.deploy.parameters]\nstack_name = "approver"\nregion = "eu-west-2"\n'
    )

    done = script(
        tmp_path, "scripts/shops.py", "list", f"--config-file={config}", **moto_variables(moto, AWS_REGION="eu-west-1")
    )  # fmt: skip

    line = the_one_line(done, "shops")
    assert (
        "the stack approver (samconfig.toml) could not be read in eu-west-1: AWS refused DescribeStacks: "
        in line
    )
    assert "ValidationError" in line
    assert done.returncode == 3


# --- AWS itself: an error code and what to do, in one line -------------------------------------------------


def test_aws_out_of_reach_is_one_line(tmp_path: Path):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{unused.getsockname()[1]}"

    done = make(
        tmp_path, "shops", **moto_variables(closed, AWS_REGION="eu-west-1", SHOPS_TABLE=TABLE,
                                            SELLER_SECRET_PREFIX=PREFIX)
    )  # fmt: skip

    line = the_one_line(done, "shops")
    assert line.startswith(f"shops: cannot read the shop directory table {TABLE}: AWS could not be reached (")
    assert "check the network" in line
    assert script_exit_code(done) == 1


def test_an_unanswerable_prompt_is_one_line(tmp_path: Path, moto: str, tiktok_emulator: TikTokEmulator):
    placeholders = resource("TikTokCredentialsSecret")["Properties"]["SecretString"]
    aws(moto, "secretsmanager", "eu-west-1").create_secret(
        Name="tiktok-shop/credentials", SecretString=placeholders
    )

    done = make(
        tmp_path, "authorize", "CODE=some-code", "SECRET_ID=tiktok-shop/credentials",
        **moto_variables(moto, AWS_REGION="eu-west-1"),  # no TIKTOK_APP_KEY, no terminal
    )  # fmt: skip

    assert the_one_line(done, "authorize") == (
        "authorize: a question went unanswered (no terminal): set TIKTOK_APP_KEY and TIKTOK_APP_SECRET"
    )
    assert script_exit_code(done) == 1


def test_an_aws_error_nothing_caught_names_its_code_and_what_to_do(capsys: pytest.CaptureFixture[str]):
    def refused() -> str:
        raise ClientError(
            {
                "Error": {
                    "Code": "ExpiredTokenException",
                    "Message": "The security token\nincluded has expired",
                }
            },
            "Scan",
        )

    assert run("shops", refused) == EXIT_FAILED

    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err == (
        "shops: AWS refused Scan: ExpiredTokenException (The security token included has expired); the "
        "credentials have expired: renew them (`aws sso login`, or new keys); `export AWS_PROFILE=<profile>` "
        "(after `aws configure` or `aws sso login`), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n"
    )


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetSecretValue"),
         "AWS refused GetSecretValue: AccessDeniedException (no); the credentials in use lack this permission"),
        (ClientError({"Error": {"Code": "SomethingNew"}}, "PutItem"),
         "AWS refused PutItem: SomethingNew; check the region, the credentials and their permissions"),
        (NoCredentialsError(), "no AWS credentials found: `export AWS_PROFILE=<profile>`"),
        (ProfileNotFound(profile="ops"), "no AWS profile 'ops' in ~/.aws/config"),
        (EndpointConnectionError(endpoint_url="https://dynamodb.xx-nowhere-1.amazonaws.com/"),
         'AWS could not be reached (Could not connect to the endpoint URL: "https://dynamodb.xx-nowhere-1'),
    ],
)  # fmt: skip
def test_every_aws_error_is_one_line_without_a_type_name(error: Exception, said: str):
    line = aws_access.describe_error(error)

    assert line.startswith(said)
    assert "\n" not in line
    assert type(error).__name__ not in line
