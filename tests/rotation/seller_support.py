"""The shop directory, the scripts' RotateSecret calls and the constants the seller tests share."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse
from shop_directory import ShopEntry
from shop_directory.writer import ShopDirectoryWriter
from tiktok_emulator import AuthorizedShop, TikTokEmulator

TABLE = "ShopsTable"
PREFIX = "tiktok-shop/sellers/"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:stack-RotateCredentialsFunction-AbC123"
# The shops of a cross-border authorization, as Get Authorized Shops lists them.
GB = AuthorizedShop(cipher="GB_cipher", id="7000000000000000001", name="Cross GB", region="GB",
                    seller_type="CROSS_BORDER", code="GBCB1")  # fmt: skip
FR = AuthorizedShop(cipher="FR_cipher", id="7000000000000000002", name="Cross FR", region="FR",
                    seller_type="CROSS_BORDER", code="FRCB1")  # fmt: skip
DE = AuthorizedShop(cipher="DE_cipher", id="7000000000000000003", name="Cross DE", region="DE",
                    seller_type="CROSS_BORDER", code="DECB1")  # fmt: skip


@dataclass
class Directory:
    """The shop directory in moto, looked at through the writer the scripts and the rotation use."""

    client: Any
    name: str = TABLE

    @property
    def writer(self) -> ShopDirectoryWriter:
        return ShopDirectoryWriter(self.client, self.name)

    def entries(self) -> dict[str, ShopEntry]:
        return {entry.shop_id: entry for entry in self.writer.list_entries()}

    def owners(self) -> dict[str, str]:
        return {shop_id: entry.secret_id for shop_id, entry in self.entries().items()}


@dataclass
class RotateSecretCalls:
    """The scripts' RotateSecret calls. moto would look for the rotation function in its own Lambda and
    fail (it cannot run one), so they are recorded and answered as Secrets Manager answers; every other
    call reaches moto."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    refusal: str | None = None  # an error code to answer with instead, e.g. AccessDeniedException

    def install(self, session: Any) -> Any:
        session.events.register("before-parameter-build.secrets-manager.RotateSecret", self._record)
        session.events.register("before-call.secrets-manager.RotateSecret", self._answer)
        return session

    def _record(self, params: dict[str, Any], **_: Any) -> None:
        self.calls.append(dict(params))

    def _answer(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        if self.refusal is not None:
            return AWSResponse(None, 400, {}, None), {"Error": {"Code": self.refusal, "Message": "refused."}}
        secret_id = self.calls[-1]["SecretId"]
        return AWSResponse(None, 200, {}, None), {"ARN": secret_id, "VersionId": str(uuid.uuid4())}


def token_calls(emulator: TikTokEmulator) -> int:
    """How many authorization codes were presented (GET /api/v2/token/get)."""
    return sum(1 for call in emulator.recorder.calls if call.path == "/api/v2/token/get")
