"""Bearer API keys with roles. ``admin`` may do everything; health endpoints need no key."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .settings import Role

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer <key>`")


@dataclass(frozen=True)
class Principal:
    key_id: str
    role: Role


class ApiKeys:
    def __init__(self, keys: dict[str, Role]) -> None:
        self._keys = dict(keys)

    def lookup(self, presented: str) -> Principal | None:
        for key, role in self._keys.items():
            if hmac.compare_digest(key.encode(), presented.encode()):
                return Principal(key_id=key[:4] + "…", role=role)
        return None

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
            if principal.role not in allowed:
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN,
                    f"role {principal.role!r} may not do this; needs one of {sorted(allowed)}",
                )
            request.state.principal = principal
            return principal

        return dependency
