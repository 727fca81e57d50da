"""API tokens (random, stored only as SHA-256 hashes) and signed, expiring offer links."""

from __future__ import annotations

import hashlib
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

TOKEN_PREFIX = "fb_"
_LINK_SALT = "flexbank.offer-link"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LinkError(ValueError):
    """The link is forged, malformed or expired."""

    def __init__(self, message: str, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class OfferLinks:
    """Signed, expiring offer links: sign the offer id (and its worker)."""

    def __init__(self, secret: str, max_age_seconds: float) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt=_LINK_SALT)
        self.max_age = int(max_age_seconds)

    def token(self, offer_id: int, worker_id: str) -> str:
        return self.serializer.dumps({"o": offer_id, "w": worker_id})

    def read(self, token: str) -> tuple[int, str]:
        try:
            data = self.serializer.loads(token, max_age=self.max_age)
        except SignatureExpired as e:
            raise LinkError("the link has expired", expired=True) from e
        except BadSignature as e:
            raise LinkError("the link is not valid") from e
        if not isinstance(data, dict) or not isinstance(data.get("o"), int):
            raise LinkError("the link is not valid")
        return int(data["o"]), str(data.get("w", ""))


def respond_url(base_url: str, token: str) -> str:
    """The link in an offer message: it signs the worker in on the offer's page (phone
    first), where they accept or decline. API clients post the same token to
    ``/offers/respond``."""
    return f"{base_url.rstrip('/')}/sign-in/offer?token={token}"
