"""Where the seller commands (make authorize SELLER=..., make shops, make remove-seller) find the stack's
pieces, and the checks they make before anything is spent or written.

Each setting comes from its flag, else its environment variable, else the output of the deployed stack that
samconfig.toml records (CloudFormation DescribeStacks, asked once and only when something is still missing);
without any of them the command stops and names every way to give it. The AWS session (region, profile,
credentials) is aws_access.py's, as for every operator command.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import aws_access
from botocore.exceptions import BotoCoreError, ClientError
from deployed_stack import SAMCONFIG, SavedDeploy, read_samconfig
from operator_common import EXIT_BAD_INPUT, EXIT_NOT_CONFIGURED, OperatorError
from shop_directory.writer import BY_SECRET_INDEX


@dataclass(frozen=True)
class Setting:
    label: str
    flag: str
    variable: str
    output: str  # the stack output that holds it


SHOPS_TABLE: Final = Setting("the shop directory table", "--shops-table", "SHOPS_TABLE", "ShopsTableName")
SECRET_PREFIX: Final = Setting(
    "the sellers' secret name prefix", "--secret-prefix", "SELLER_SECRET_PREFIX", "SellerSecretPrefix"
)
ROTATION_FUNCTION: Final = Setting(
    "the rotation function's ARN",
    "--rotation-function-arn",
    "ROTATE_CREDENTIALS_FUNCTION_ARN",
    "RotateCredentialsFunctionArn",
)

# Secrets Manager's secret names: ASCII letters, digits and /_+=.@- , at most 512 characters.
_NAME_CHARACTERS: Final = re.compile(r"[A-Za-z0-9/_+=.@-]+")
_PREFIX: Final = re.compile(r"[A-Za-z0-9/_+=.@-]+/")  # the template's SellerSecretPrefix pattern
MAX_SECRET_NAME: Final = 512
# AWS advises against a name ending in "-" and six characters: a partial ARN could then name another secret.
_ARN_SUFFIX_LOOKALIKE: Final = re.compile(r"-[A-Za-z0-9]{6}\Z")
_FUNCTION_ARN: Final = re.compile(
    r"arn:[a-z-]+:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?"
)


class StackOutputs:
    """The outputs of the stack samconfig.toml records, read on first use."""

    def __init__(self, saved: SavedDeploy, cloudformation: Callable[[], Any]) -> None:
        self._saved = saved
        self._cloudformation = cloudformation
        self._outputs: dict[str, str] | None = None
        self.problem: str | None = None  # why there are none, for the message

    def get(self, key: str) -> str | None:
        if self._outputs is None:
            self._outputs = self._read()
        return self._outputs.get(key) or None

    def _read(self) -> dict[str, str]:
        if self._saved.stack_name is None:
            self.problem = "samconfig.toml records no deployed stack"
            return {}
        cloudformation: Any = None
        try:
            cloudformation = self._cloudformation()
            stacks = cloudformation.describe_stacks(StackName=self._saved.stack_name)["Stacks"]
        except (BotoCoreError, ClientError) as error:
            region = getattr(getattr(cloudformation, "meta", None), "region_name", None)
            self.problem = (
                f"the stack {self._saved.stack_name} (samconfig.toml) could not be read"
                + (f" in {region}" if region else "")
                + f": {aws_access.describe_error(error)}"
            )
            return {}
        outputs = stacks[0].get("Outputs", []) if stacks else []
        return {str(output["OutputKey"]): str(output.get("OutputValue", "")) for output in outputs}


@dataclass(frozen=True)
class Resolved:
    values: Mapping[Setting, str]
    from_stack: str | None  # the stack whose outputs gave at least one value

    def __getitem__(self, setting: Setting) -> str:
        return self.values[setting]


def resolve(
    wanted: Iterable[Setting],
    flags: Mapping[Setting, str | None],
    stack: StackOutputs,
    stack_name: str | None,
    environ: Mapping[str, str] | None = None,
) -> Resolved:
    environ = os.environ if environ is None else environ
    values: dict[Setting, str] = {}
    missing: list[Setting] = []
    from_stack = None
    for setting in wanted:
        value = flags.get(setting) or environ.get(setting.variable)
        if not value and (value := stack.get(setting.output)):
            from_stack = stack_name
        if value:
            values[setting] = value
        else:
            missing.append(setting)
    if missing:
        named = "; ".join(
            f"{setting.label}: {setting.flag} or ${setting.variable} (stack output {setting.output})"
            for setting in missing
        )
        why = f" ({stack.problem})" if stack.problem else ""
        raise OperatorError(f"missing {named}{why}; nothing done", EXIT_NOT_CONFIGURED)
    return Resolved(values, from_stack)


def aws_session(saved: SavedDeploy) -> Any:
    """aws_access.session(): the environment's region (AWS_REGION or AWS_DEFAULT_REGION), else
    samconfig.toml's, so that the secrets and the directory are looked for where the recorded stack lives;
    AWS_PROFILE, else samconfig.toml's profile; credentials checked (aws_access.AwsSetupError without)."""
    return aws_access.session(saved)


def saved_deploy(config_file: Path | None) -> SavedDeploy:
    return read_samconfig(config_file or SAMCONFIG)


def seller_secret_name(prefix: str, seller: str) -> str:
    """`<prefix><seller>`, refused (EXIT_BAD_INPUT) unless Secrets Manager takes it as a name."""
    if not _NAME_CHARACTERS.fullmatch(seller):
        raise OperatorError(
            f"seller {seller!r} is not usable in a secret name: only ASCII letters, digits and /_+=.@- "
            "(choose one with --seller / SELLER=)",
            EXIT_BAD_INPUT,
        )
    name = prefix + seller
    if len(name) > MAX_SECRET_NAME:
        raise OperatorError(
            f"the secret name {name} is longer than {MAX_SECRET_NAME} characters", EXIT_BAD_INPUT
        )
    if _ARN_SUFFIX_LOOKALIKE.search(name):
        raise OperatorError(
            f"seller {seller!r} ends with '-' and six characters, which Secrets Manager would confuse with "
            "an ARN's suffix; choose another with --seller / SELLER=",
            EXIT_BAD_INPUT,
        )
    return name


def check_prefix(prefix: str) -> str:
    if not _PREFIX.fullmatch(prefix):
        raise OperatorError(
            f"secret prefix {prefix!r} must be Secrets Manager name characters ending with '/' (as the "
            "template's SellerSecretPrefix)",
            EXIT_BAD_INPUT,
        )
    return prefix


def check_function_arn(arn: str) -> str:
    if not _FUNCTION_ARN.fullmatch(arn):
        raise OperatorError(
            f"{arn!r} is not a Lambda function ARN (the stack output RotateCredentialsFunctionArn)",
            EXIT_BAD_INPUT,
        )
    return arn


def check_directory_table(dynamodb: Any, table_name: str) -> None:
    """The table exists and has the BySecret index: checked before an authorization code is spent."""
    try:
        table = dynamodb.describe_table(TableName=table_name)["Table"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise OperatorError(
                f"no shop directory table {table_name} in this account and region (the stack output "
                "ShopsTableName); nothing done",
                EXIT_NOT_CONFIGURED,
            ) from None
        raise OperatorError(
            f"cannot read the shop directory table {table_name}: {aws_access.describe_error(error)}"
        ) from None
    except BotoCoreError as error:
        raise OperatorError(
            f"cannot read the shop directory table {table_name}: {aws_access.describe_error(error)}"
        ) from None
    indexes = {index.get("IndexName") for index in table.get("GlobalSecondaryIndexes", [])}
    if BY_SECRET_INDEX not in indexes:
        raise OperatorError(
            f"table {table_name} has no {BY_SECRET_INDEX} index: is it the stack's ShopsTable?",
            EXIT_NOT_CONFIGURED,
        )
