"""make deploy, make logs and make outputs: the SAM CLI commands for the stack that samconfig.toml records.
An operator's tool, never deployed.

    python scripts/deployed_stack.py deploy  [--dry-run] [--guided] [--sam PATH] [--config-file F] [-- ARGS]
    python scripts/deployed_stack.py logs    [--dry-run] [--tail] ...
    python scripts/deployed_stack.py outputs [--dry-run] ...
    python scripts/deployed_stack.py check-credentials [--for deploy]

The first deploy is guided (`sam deploy --guided`: it asks, then saves stack_name, region and the answers
into samconfig.toml); every later one runs from what was saved, without questions. logs and outputs name the
saved stack and region; where samconfig.toml saves no region, the environment's (AWS_REGION, else
AWS_DEFAULT_REGION: aws_access.py), which is handed to the SAM CLI since it reads only AWS_DEFAULT_REGION.
Before anything reaches AWS, AWS credentials must be there (boto3's usual chain: environment, AWS_PROFILE,
SSO, instance role), and for logs and outputs a region; otherwise the command stops at once with one line
that says how to get them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import aws_access

ROOT: Final = Path(__file__).resolve().parents[1]
SAMCONFIG: Final = ROOT / "samconfig.toml"
SAM: Final = ROOT / ".venv-sam" / "bin" / "sam"
BUILT_TEMPLATE: Final = ROOT / ".aws-sam" / "build" / "template.yaml"
CONFIG_ENV: Final = "default"
FUNCTION: Final = "ApproveCancellationFunction"
# What `sam deploy --guided` always saves (samcli/commands/deploy/guided_config.py): without both, no deploy
# has been set up on this clone yet.
SAVED_BY_GUIDED: Final = ("stack_name", "region")
EXIT_NO_CREDENTIALS: Final = 2
EXIT_NOT_BUILT: Final = 3
EXIT_NO_REGION: Final = 4


@dataclass(frozen=True)
class SavedDeploy:
    """What samconfig.toml says about the deployed stack."""

    stack_name: str | None
    region: str | None
    profile: str | None
    guided_done: bool


def read_samconfig(path: Path) -> SavedDeploy:
    """Reads `[default.deploy.parameters]` (and `[default.global.parameters]` for what it lacks)."""
    try:
        config: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except tomllib.TOMLDecodeError as error:  # a hand edit gone wrong: said in one line, not a traceback
        raise SystemExit(f"{_relative(path)} is not valid TOML ({error}): fix it, or `git diff` it") from None
    environment = config.get(CONFIG_ENV, {})
    deploy: Mapping[str, Any] = environment.get("deploy", {}).get("parameters", {})
    common: Mapping[str, Any] = environment.get("global", {}).get("parameters", {})

    def value(name: str) -> str | None:
        found = deploy.get(name, common.get(name))
        return str(found) if found else None

    return SavedDeploy(
        stack_name=value("stack_name"),
        region=value("region"),
        profile=value("profile"),
        guided_done=all(deploy.get(name) for name in SAVED_BY_GUIDED),
    )


def deploy_command(
    sam: Path, config_file: Path, saved: SavedDeploy, *, guided: bool, extra: Sequence[str] = ()
) -> list[str]:
    # The built template, named: sam would otherwise fall back to template.yaml, whose CodeUri is the source
    # tree without the layer's dependencies or the bytecode `make build` adds.
    command = [str(sam), "deploy", "--config-file", str(config_file), "--template-file", str(BUILT_TEMPLATE)]
    if guided or not saved.guided_done:
        command.append("--guided")
    else:
        # Saved answers, no questions; confirm_changeset in samconfig.toml still asks before changing.
        command.append("--no-fail-on-empty-changeset")
    return [*command, *extra]


def stack_command(
    sam: Path, config_file: Path, saved: SavedDeploy, verb: Sequence[str], extra: Sequence[str] = ()
) -> list[str]:
    if saved.stack_name is None:
        raise SystemExit(f"{_relative(config_file)} names no stack_name: run `make deploy` first")
    command = [str(sam), *verb, "--config-file", str(config_file), "--stack-name", saved.stack_name]
    region = saved.region or _environment_region()
    if region:
        command += ["--region", region]
    if saved.profile:
        command += ["--profile", saved.profile]
    return [*command, *extra]


def logs_command(
    sam: Path, config_file: Path, saved: SavedDeploy, *, tail: bool, extra: Sequence[str] = ()
) -> list[str]:
    options = ["--name", FUNCTION, *(["--tail"] if tail else []), *extra]
    return stack_command(sam, config_file, saved, ["logs"], options)


def _environment_region() -> str | None:
    found = aws_access.region_from_environment()
    return found.name if found else None


def missing_credentials(saved: SavedDeploy) -> str | None:
    """Why boto3 (as the SAM CLI uses it, with samconfig.toml's profile) would find no credentials, and what
    to do; None when it finds some."""
    return aws_access.missing_credentials(saved.profile)


def check_access(saved: SavedDeploy, purpose: str) -> int:
    """Credentials, and for logs and outputs a region: 0, or one line on stderr and the exit code."""
    nothing_done = "nothing was built or deployed" if purpose == "deploy" else "nothing was sent to AWS"
    problem = missing_credentials(saved)
    if problem is not None:
        print(f"make {purpose}: {problem}; {nothing_done}", file=sys.stderr)
        return EXIT_NO_CREDENTIALS
    if purpose == "deploy":  # the guided deploy asks for the region; the later ones have it saved
        return 0
    try:
        region = aws_access.resolve_region(saved, saved.profile)
    except aws_access.AwsSetupError as problem_found:
        print(f"make {purpose}: {problem_found}; {nothing_done}", file=sys.stderr)
        return EXIT_NO_REGION
    if region.note and not saved.region:
        print(f"note: {region.note}", file=sys.stderr)
    return 0


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _shown(command: Sequence[str]) -> str:
    return " ".join(_relative(Path(part)) if part.startswith(str(ROOT)) else part for part in command)


def _run(command: list[str], *, dry_run: bool) -> int:
    if dry_run:
        print(_shown(command))
        return 0
    if not Path(command[0]).exists():
        print(f"{command[0]} not found: `make sam-venv` installs the pinned SAM CLI", file=sys.stderr)
        return 1
    print(f"$ {_shown(command)}", flush=True)
    try:
        # SAM's telemetry would be one more outbound call nobody asked for.
        return subprocess.call(command, env={**os.environ, "SAM_CLI_TELEMETRY": "0"})  # noqa: S603
    except KeyboardInterrupt:  # sam got the Ctrl-C too, and stopped
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    saved = read_samconfig(args.config_file)
    if args.command == "check-credentials":
        return check_access(saved, args.purpose)
    extra = list(args.extra)
    if args.command == "deploy":
        if not args.dry_run and not BUILT_TEMPLATE.exists():
            print(f"{_relative(BUILT_TEMPLATE)} is missing: `make build` first", file=sys.stderr)
            return EXIT_NOT_BUILT
        command = deploy_command(args.sam, args.config_file, saved, guided=args.guided, extra=extra)
        if "--guided" in command and not args.guided:
            print(
                f"first deploy from this clone ({_relative(args.config_file)} has no saved stack_name and "
                "region): guided; the answers are saved for the next `make deploy`",
                flush=True,
            )
    elif args.command == "logs":
        command = logs_command(args.sam, args.config_file, saved, tail=args.tail, extra=extra)
    else:
        command = stack_command(args.sam, args.config_file, saved, ["list", "stack-outputs"], extra)
    return _run(command, dry_run=args.dry_run)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scripts/deployed_stack.py", description=__doc__.splitlines()[0])
    parser.add_argument("--config-file", type=lambda value: Path(value).resolve(), default=SAMCONFIG)
    parser.add_argument("--sam", type=Path, default=SAM, help="the SAM CLI (default: .venv-sam/bin/sam)")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check-credentials",
        help="exit 2 with a message when boto3 finds no credentials; 4 when logs or outputs have no region",
    )
    check.add_argument("--for", dest="purpose", default="deploy", help="the make target, for the message")
    for name, text in (
        ("deploy", "sam deploy of the build (guided the first time)"),
        ("logs", f"sam logs of {FUNCTION}"),
        ("outputs", "sam list stack-outputs"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--dry-run", action="store_true", help="print the command instead of running it")
        if name == "deploy":
            sub.add_argument("--guided", action="store_true", help="ask again, even with saved answers")
        if name == "logs":
            sub.add_argument("--tail", action="store_true", help="follow new log events")
        sub.add_argument("extra", nargs="*", help="more options for the sam command (after --)")
    return parser


if __name__ == "__main__":
    sys.exit(main())
