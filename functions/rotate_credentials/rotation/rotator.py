"""The four rotation steps, with the guarantees of AWS's rotation-function template: every step checks the
version's stages first, and may run again (Secrets Manager retries) without doing anything twice.

createSecret   refresh the access token with TikTok; store the new tokens as AWSPENDING
setSecret      nothing: TikTok issued the token itself, there is no other service to tell
testSecret     list the shops the pending access token may act for; the secret's shop_cipher must be one,
               or, for a seller's secret, at least one shop, and the shop directory is rewritten from them
finishSecret   move AWSCURRENT to the pending version

Until finishSecret, AWSCURRENT is never written: a failure anywhere leaves the approval function with the
credentials it had. (A seller's directory entries hold no token: rewriting them in testSecret changes which
secret serves a shop, never with which token.)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

from aws_lambda_powertools.metrics import MetricUnit
from shop_directory import ShopEntry
from shop_directory.writer import ShopDirectoryWriter
from tiktok_shop import (
    AuthorizedShop,
    Credentials,
    CredentialsError,
    TikTokAPIError,
    TikTokShopClient,
    TikTokValidationError,
)

from .errors import (
    CredentialsIncomplete,
    NoShopAuthorized,
    PendingValueMissing,
    RotationNotEnabled,
    ShopCipherNotAuthorized,
    ShopCipherUnresolved,
    ShopDirectoryNotConfigured,
    ShopListUnusable,
    TikTokRefused,
    VersionNotPending,
)
from .observability import logger, metrics
from .secret_fields import RefreshableCredentials, filled, with_grant
from .secret_versions import AWSCURRENT, AWSPENDING, SecretStages, SecretVersions

Step = Literal["createSecret", "setSecret", "testSecret", "finishSecret"]
STEPS: Final[tuple[Step, ...]] = ("createSecret", "setSecret", "testSecret", "finishSecret")
SECONDS_PER_DAY: Final = 24 * 3600

# app_key, app_secret -> a client for both TikTok hosts.
ClientFactory = Callable[[str, str], TikTokShopClient]
# The shops a token lists -> the cipher createSecret stores when the secret names none.
CipherChoice = Callable[[list[AuthorizedShop]], str]


@dataclass(frozen=True)
class SellerSecret:
    arn: str
    directory: ShopDirectoryWriter


class CredentialsRotator:
    def __init__(
        self,
        *,
        secrets_client: Any,  # boto3 clients are generated at run time
        client_factory: ClientFactory,
        refresh_token_warning_days: int,
        clock: Callable[[], float] = time.time,
        seller_secret_prefix: str | None = None,
        shop_directory: ShopDirectoryWriter | None = None,
    ) -> None:
        self._secrets = secrets_client
        self._client_factory = client_factory
        self._warning_days = refresh_token_warning_days
        self._clock = clock
        self._seller_prefix = seller_secret_prefix
        self._directory = shop_directory

    def run(self, step: str, secret_id: str, version_id: str, *, deadline: float | None = None) -> None:
        """Run one step for the version `version_id` (Secrets Manager's ClientRequestToken)."""
        if step not in STEPS:
            raise ValueError(f"unknown rotation step {step!r}; expected one of {', '.join(STEPS)}")
        versions = SecretVersions(self._secrets, secret_id)
        stages = versions.stages()
        if not self._is_pending(stages, versions, version_id):
            return
        seller = self._seller_secret(stages)
        if step == "createSecret":
            self.create_secret(versions, version_id, deadline, seller=seller is not None)
        elif step == "setSecret":
            logger.info("setSecret: nothing to set; TikTok issued the new token itself")
        elif step == "testSecret":
            self.test_secret(versions, version_id, deadline, seller=seller)
        else:
            self.finish_secret(versions, version_id)

    def _seller_secret(self, stages: SecretStages) -> SellerSecret | None:
        """A seller's secret (its name starts with the prefix) and the directory of its shops; None for any
        other secret. Checked before any step, so that a misconfigured function spends no refresh token."""
        if self._seller_prefix is None or not stages.name.startswith(self._seller_prefix):
            return None
        if self._directory is None:
            raise ShopDirectoryNotConfigured(
                f"secret {stages.name} is a seller's (its name starts with SELLER_SECRET_PREFIX) but the "
                "function has no SHOPS_TABLE to keep its shops in"
            )
        # The ARN is what the directory's entries name, whatever id Secrets Manager's event used.
        return SellerSecret(arn=stages.arn, directory=self._directory)

    def _is_pending(self, stages: SecretStages, versions: SecretVersions, version_id: str) -> bool:
        """The template's checks: rotation on, the version known and AWSPENDING. False: already current."""
        if not stages.rotation_enabled:
            raise RotationNotEnabled(f"secret {versions.secret_id} is not enabled for rotation")
        version_stages = stages.stages_by_version.get(version_id)
        if version_stages is None:
            raise VersionNotPending(
                f"version {version_id} of secret {versions.secret_id} has no stage for rotation"
            )
        if AWSCURRENT in version_stages:
            logger.info("version is already AWSCURRENT; nothing to do")
            return False
        if AWSPENDING not in version_stages:
            raise VersionNotPending(
                f"version {version_id} of secret {versions.secret_id} is not AWSPENDING (stages: "
                f"{', '.join(version_stages) or 'none'})"
            )
        return True

    def create_secret(
        self, versions: SecretVersions, version_id: str, deadline: float | None, *, seller: bool = False
    ) -> None:
        current = versions.current_value()
        if versions.pending_value(version_id) is not None:
            # A retry: the refresh happened and is stored. Refreshing again would present the old refresh
            # token a second time, which TikTok may refuse as spent.
            logger.info("createSecret: the pending version already holds new tokens")
            return
        credentials = RefreshableCredentials.from_secret(current, stage=AWSCURRENT)
        client = self._client_factory(credentials.app_key, credentials.app_secret)
        # A seller's authorization may cover several shops, each served through the directory: any of its
        # ciphers completes the secret. The default secret serves one shop, which must be unambiguous.
        choose: CipherChoice = _first_cipher if seller else _only_cipher
        shop_cipher = credentials.shop_cipher or self._cipher_before_refresh(
            client, credentials, deadline, choose
        )
        try:
            grant = client.auth.refresh_access_token(credentials.refresh_token, deadline=deadline)
        except TikTokAPIError as error:
            raise TikTokRefused("refreshing the access token", error) from None
        except TikTokValidationError as error:  # refused before sending: names the key, never its value
            raise CredentialsIncomplete(f"the {AWSCURRENT} version of the secret: {error}") from None
        if shop_cipher is None:
            shop_cipher = self._cipher_after_refresh(client, grant.access_token, deadline, choose)
        # Stored whatever the shop lookup said: TikTok may already consider the old refresh token spent, so
        # the pending version may be the only copy of a usable one. testSecret refuses it if incomplete.
        versions.put_pending(version_id, with_grant(current, grant, shop_cipher))
        logger.info(
            "createSecret: new tokens stored as AWSPENDING",
            extra={
                "access_token_expire_in": grant.access_token_expire_in,
                "refresh_token_expire_in": grant.refresh_token_expire_in,
                "shop_cipher_filled": credentials.shop_cipher is None and shop_cipher is not None,
                "tiktok_request_id": grant.request_id,
            },
        )
        self._report_refresh_token_expiry(grant.refresh_token_expire_in)

    def _cipher_before_refresh(
        self,
        client: TikTokShopClient,
        credentials: RefreshableCredentials,
        deadline: float | None,
        choose: CipherChoice,
    ) -> str | None:
        """The chosen shop's cipher, learnt with the current access token while it still works, so that an
        ambiguous list is refused before the refresh token is spent. None: the token could not tell."""
        if credentials.access_token is None:
            return None
        client.set_access_token(credentials.access_token)
        try:
            shops = client.authorization.get_authorized_shops(deadline=deadline)
        except (TikTokAPIError, TikTokValidationError) as error:
            logger.info("shops not listed with the current token; asking again after the refresh",
                        extra={"reason": str(error)})  # fmt: skip
            return None
        return choose(shops)

    def _cipher_after_refresh(
        self, client: TikTokShopClient, access_token: str, deadline: float | None, choose: CipherChoice
    ) -> str | None:
        client.set_access_token(access_token)
        try:
            return choose(client.authorization.get_authorized_shops(deadline=deadline))
        except (TikTokAPIError, TikTokValidationError, ShopCipherUnresolved, NoShopAuthorized) as error:
            logger.warning(
                "the secret names no shop_cipher and none could be chosen; testSecret will refuse",
                extra={"reason": str(error)},
            )
            return None

    def test_secret(
        self,
        versions: SecretVersions,
        version_id: str,
        deadline: float | None,
        *,
        seller: SellerSecret | None = None,
    ) -> None:
        pending = versions.pending_value(version_id)
        if pending is None:
            raise PendingValueMissing(f"version {version_id} has no value yet: createSecret did not complete")
        app_key, app_secret, access_token = (
            filled(pending.get(key)) for key in ("app_key", "app_secret", "access_token")
        )
        if app_key is None or app_secret is None or access_token is None:
            raise CredentialsIncomplete("the pending version lacks app_key, app_secret or access_token")
        client = self._client_factory(app_key, app_secret)
        client.set_access_token(access_token)
        try:
            shops = client.authorization.get_authorized_shops(deadline=deadline)
        except TikTokAPIError as error:
            raise TikTokRefused("listing the shops with the new access token", error) from None
        except TikTokValidationError as error:
            raise CredentialsIncomplete(f"the pending version: {error}") from None
        if seller is not None:
            self._test_seller_secret(pending, shops, seller)
            return
        shop_cipher = filled(pending.get("shop_cipher"))
        if shop_cipher is None:
            raise ShopCipherUnresolved(shops)
        if shop_cipher not in {shop.cipher for shop in shops}:
            raise ShopCipherNotAuthorized(
                f"the secret's shop_cipher is not among the {len(shops)} shop(s) the new access token may "
                "act for; the seller may have revoked that shop's authorization"
            )
        try:
            Credentials.from_mapping(pending, source="the pending version")  # what the approver will read
        except CredentialsError as error:
            raise CredentialsIncomplete(str(error)) from None
        logger.info("testSecret: the new access token lists the secret's shop", extra={"shops": len(shops)})

    def _test_seller_secret(
        self, pending: dict[str, Any], shops: list[AuthorizedShop], seller: SellerSecret
    ) -> None:
        """The directory serves a seller's shops by shop_id, so the secret's own shop_cipher need not be
        among them: the new token must list at least one shop, and those it lists become the directory's
        entries for this secret (any other of its entries removed)."""
        if not shops:
            raise NoShopAuthorized("the new access token")
        seller_name = filled(pending.get("seller_name"))
        try:
            entries = [
                ShopEntry.from_authorized_shop(shop, secret_id=seller.arn, seller_name=seller_name)
                for shop in shops
            ]
        except TikTokValidationError as error:
            raise ShopListUnusable(f"{error}; the shop directory is left as it was") from None
        try:  # checked before the directory changes: a refused version must not rewrite it
            Credentials.from_mapping(pending, source="the pending version")
        except CredentialsError as error:
            raise CredentialsIncomplete(str(error)) from None
        result = seller.directory.sync(seller.arn, entries)
        logger.info(
            "testSecret: the new access token lists the seller's shops; the shop directory is refreshed",
            extra={
                "shops": len(shops),
                "written": len(result.written),
                "removed": len(result.removed),
                "moved_in": len(result.moved_from),
                "left_to_others": len(result.left_to_others),
            },
        )

    def finish_secret(self, versions: SecretVersions, version_id: str) -> None:
        current_version = versions.stages().current_version
        versions.promote(version_id, current_version)
        logger.info(
            "finishSecret: the new version is AWSCURRENT", extra={"previous_version": current_version}
        )

    def _report_refresh_token_expiry(self, expire_in: int) -> None:
        days_left = max(0, math.floor((expire_in - self._clock()) / SECONDS_PER_DAY))
        expiring = days_left <= self._warning_days
        metrics.add_metric(name="RefreshTokenDaysLeft", unit=MetricUnit.Count, value=days_left)
        # 0 or 1 at every rotation, so the alarm sees when the seller has authorized again.
        metrics.add_metric(name="RefreshTokenExpiringSoon", unit=MetricUnit.Count, value=int(expiring))
        if expiring:
            logger.warning(
                "the refresh token expires soon: the seller must authorize the app again before then",
                extra={"days_left": days_left, "refresh_token_expire_in": expire_in},
            )


def _only_cipher(shops: list[AuthorizedShop]) -> str:
    if len(shops) != 1:
        raise ShopCipherUnresolved(shops)
    return shops[0].cipher


def _first_cipher(shops: list[AuthorizedShop]) -> str:
    if not shops:
        raise NoShopAuthorized("the current access token")
    return shops[0].cipher
