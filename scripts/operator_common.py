"""What the operator's scripts (authorize, shops) share: exit codes, the failure they end with and how it is
told (one line, never a traceback), prompts for the app credentials, and how they show a shop and a time.
Nothing here prints a secret value."""

from __future__ import annotations

import datetime
import getpass
import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, Final

import aws_access
from botocore.exceptions import BotoCoreError, ClientError
from tiktok_shop import AuthorizedShop

PLACEHOLDER: Final = "REPLACE_ME"  # what template.yaml puts in every field of a fresh secret

EXIT_FAILED: Final = 1  # TikTok or AWS refused, or something is half done (the message says what)
EXIT_CHOICE_NEEDED: Final = 2  # several shops and no --shop-cipher (single-secret mode)
# The shop directory, the secret prefix or the rotation function is unknown; or AWS is: no region, no
# credentials, an unknown profile (aws_access.AwsSetupError).
EXIT_NOT_CONFIGURED: Final = 3
EXIT_BAD_INPUT: Final = 4  # a flag's value or a combination of flags is refused
EXIT_NOT_FOUND: Final = 5  # no such seller
EXIT_INTERRUPTED: Final = 130  # Ctrl-C, as a shell reports it


class OperatorError(Exception):
    """Ends the script with a message; `exit_code` says why."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def run(prog: str, command: Callable[[], str]) -> int:
    """Runs a script's command: its summary on stdout and 0, or one line `<prog>: <why>` on stderr and the
    exit code that says why. An AWS error nothing caught before is told by its error code and what to do."""
    try:
        summary = command()
    except OperatorError as failure:
        return _failed(prog, str(failure), failure.exit_code)
    except aws_access.AwsSetupError as problem:
        return _failed(prog, f"{problem}; nothing done", EXIT_NOT_CONFIGURED)
    except (BotoCoreError, ClientError) as error:
        return _failed(prog, aws_access.describe_error(error), EXIT_FAILED)
    except EOFError:  # a prompt with nothing to read: no terminal
        unanswered = "a question went unanswered (no terminal): set TIKTOK_APP_KEY and TIKTOK_APP_SECRET"
        return _failed(prog, unanswered, EXIT_FAILED)
    except KeyboardInterrupt:
        return _failed(prog, "interrupted", EXIT_INTERRUPTED)
    print(summary)
    return 0


def _failed(prog: str, message: str, exit_code: int) -> int:
    print(f"{prog}: {message}", file=sys.stderr)
    return exit_code


def setting(variable: str, from_secret: object) -> str | None:
    """The environment's value, else the secret's, when it is a real one (not empty, not the placeholder)."""
    value = os.environ.get(variable) or from_secret
    return value if isinstance(value, str) and value.strip() and value != PLACEHOLDER else None


def ask(prompt: str) -> str:
    return required(input(prompt))


def ask_secret(prompt: str) -> str:
    return required(getpass.getpass(prompt))


def required(value: str) -> str:
    if not value.strip():
        raise OperatorError("an empty answer; nothing written")
    return value.strip()


def read_secret_object(secrets: Any, secret_id: str) -> dict[str, Any]:
    """The secret's current JSON object; {} when it holds anything else, which is then replaced as a whole.
    Raises OperatorError when it cannot be read; never quotes the value."""
    try:
        text = secrets.get_secret_value(SecretId=secret_id).get("SecretString")
    except (BotoCoreError, ClientError) as error:
        raise OperatorError(f"cannot read secret {secret_id}: {aws_access.describe_error(error)}") from None
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        value = None  # the parser's message would quote the text
    return value if isinstance(value, dict) else {}


def abandon_rotation_in_progress(secrets: Any, secret_id: str) -> list[str]:
    """A new authorization supersedes a failed rotation: its AWSPENDING version would otherwise be retried
    (and refused again) instead of a fresh rotation from the new tokens."""
    stages_by_version: Mapping[str, list[str]] = secrets.describe_secret(SecretId=secret_id).get(
        "VersionIdsToStages", {}
    )
    abandoned = [
        v for v, stages in stages_by_version.items() if "AWSPENDING" in stages and "AWSCURRENT" not in stages
    ]
    for version in abandoned:
        secrets.update_secret_version_stage(
            SecretId=secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=version
        )
    return abandoned


def describe_shop(shop: AuthorizedShop) -> str:
    return f"{shop.name or '(no name)'} [{shop.region or '?'}, id {shop.id or '?'}] shop_cipher={shop.cipher}"


def date(unix_time: int) -> str:
    return datetime.datetime.fromtimestamp(unix_time, tz=datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
