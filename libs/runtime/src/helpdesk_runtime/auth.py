"""Bearer API keys with roles. ``admin`` may do everything; health endpoints need no key.

Every authenticated request also takes a token from its key's bucket (:mod:`.ratelimit`): over the limit
it is refused with 429 and ``Retry-After`` before the role is even looked at.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .ratelimit import RATE_LIMITED, RateLimiter, fingerprint
from .settings import Role

log = logging.getLogger("helpdesk.auth")
_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer <key>`")


@dataclass(frozen=True)
class Principal:
    key_id: str
    role: Role
    fingerprint: str = ""
    """A non-reversible name of the key (``key-<sha256 prefix>``): the rate-limit bucket, metrics, logs."""


class ApiKeys:
    def __init__(self, keys: dict[str, Role], limiter: RateLimiter | None = None) -> None:
        self._keys = dict(keys)
        self._names = {key: fingerprint(key) for key in keys}
        self.limiter = limiter or RateLimiter(per_second=0, burst=0)

    def lookup(self, presented: str) -> Principal | None:
        for key, role in self._keys.items():
            if hmac.compare_digest(key.encode(), presented.encode()):
                return Principal(key_id=key[:4] + "…", role=role, fingerprint=self._names[key])
        return None

    def throttle(self, request: Request, principal: Principal) -> None:
        """Take one token from the key's bucket, once per request; 429 with ``Retry-After`` when empty."""
        if getattr(request.state, "rate_checked", False):
            return  # a route with both router- and route-level key checks pays once
        request.state.rate_checked = True
        wait = self.limiter.take(principal.fingerprint)
        if wait is None:
            return
        RATE_LIMITED.labels(key=principal.fingerprint, role=principal.role).inc()
        log.debug("rate limited", extra={"key": principal.fingerprint, "path": request.url.path})
        retry = self.limiter.retry_after(wait)
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"rate limit exceeded for this API key ({self.limiter.per_second:g} requests/s, burst "
            f"{self.limiter.burst}); retry after {retry} s",
            headers={"Retry-After": retry},
        )

    def require(self, *roles: Role) -> Callable[..., Principal]:
        allowed = set(roles) | {"admin"}

        def dependency(
            request: Request,
            credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
        ) -> Principal:
            if credentials is None or credentials.scheme.lower() != "bearer":
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED,
                    "missing bearer API key",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            principal = self.lookup(credentials.credentials)
            if principal is None:
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED, "unknown API key", headers={"WWW-Authenticate": "Bearer"}
                )
            self.throttle(request, principal)
            if principal.role not in allowed:
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN,
                    f"role {principal.role!r} may not do this; needs one of {sorted(allowed)}",
                )
            request.state.principal = principal
            return principal

        return dependency
