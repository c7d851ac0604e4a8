"""The rotation's view of the credentials secret in Secrets Manager: stages, values by version, promotion."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .errors import CredentialsIncomplete

AWSCURRENT = "AWSCURRENT"
AWSPENDING = "AWSPENDING"


@dataclass(frozen=True)
class SecretStages:
    name: str
    arn: str
    rotation_enabled: bool
    stages_by_version: dict[str, list[str]]

    @property
    def current_version(self) -> str | None:
        return next((v for v, stages in self.stages_by_version.items() if AWSCURRENT in stages), None)


class SecretVersions:
    def __init__(self, secrets_client: Any, secret_id: str) -> None:
        self._client = secrets_client
        self.secret_id = secret_id

    def stages(self) -> SecretStages:
        described = self._client.describe_secret(SecretId=self.secret_id)
        return SecretStages(
            name=str(described.get("Name", self.secret_id)),
            arn=str(described.get("ARN", self.secret_id)),
            # Absent until rotation was configured once: not enabled.
            rotation_enabled=bool(described.get("RotationEnabled", False)),
            stages_by_version=described.get("VersionIdsToStages", {}),
        )

    def current_value(self) -> dict[str, Any]:
        answer = self._client.get_secret_value(SecretId=self.secret_id, VersionStage=AWSCURRENT)
        return _json_object(answer.get("SecretString"), AWSCURRENT)

    def pending_value(self, version_id: str) -> dict[str, Any] | None:
        """The pending version's value; None while the version exists without one (before createSecret)."""
        try:
            answer = self._client.get_secret_value(
                SecretId=self.secret_id, VersionId=version_id, VersionStage=AWSPENDING
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
        return _json_object(answer.get("SecretString"), AWSPENDING)

    def put_pending(self, version_id: str, value: dict[str, Any]) -> None:
        self._client.put_secret_value(
            SecretId=self.secret_id,
            ClientRequestToken=version_id,
            SecretString=json.dumps(value),
            VersionStages=[AWSPENDING],
        )

    def promote(self, version_id: str, current_version: str | None) -> None:
        """Moves AWSCURRENT to `version_id`; Secrets Manager moves AWSPREVIOUS to the old one by itself."""
        arguments = {"SecretId": self.secret_id, "VersionStage": AWSCURRENT, "MoveToVersionId": version_id}
        if current_version is not None:
            arguments["RemoveFromVersionId"] = current_version
        self._client.update_secret_version_stage(**arguments)


def _json_object(text: object, stage: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        value = None  # the parser's message would quote the text
    if not isinstance(value, dict):
        raise CredentialsIncomplete(f"the {stage} version of the secret is not a JSON object")
    return value
