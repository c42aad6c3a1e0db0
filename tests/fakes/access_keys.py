"""FakeAccessKeys: IAM users and their access keys in memory, with scripted failures per operation."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from aws_vault.application.ports import AccessKeys
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.errors import StsRequestError
from aws_vault.domain.plan import StsTarget

ACCOUNT = "123456789012"


@dataclass
class FakeAccessKeys(AccessKeys):
    """``keys``: key id -> (user, secret). ``fail[op]`` = how many more calls of ``op`` fail (-1: all).

    ``unpropagated``: how many GetCallerIdentity calls a new key fails before it works (IAM's delay).
    """

    keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    fail: dict[str, int] = field(default_factory=dict)
    unpropagated: int = 0
    calls: list[tuple[str, str]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _fresh: dict[str, int] = field(default_factory=dict)

    def add_user_key(self, user: str, key_id: str, secret: str) -> Credentials:
        self.keys[key_id] = (user, secret)
        return Credentials(key_id, secret)

    def _check(self, op: str, source: Credentials) -> str:
        self.calls.append((op, source.access_key_id))
        remaining = self.fail.get(op, 0)
        if remaining:
            self.fail[op] = remaining - 1 if remaining > 0 else -1
            raise StsRequestError(op, "InternalFailure", f"{op} failed (scripted)")
        if source.session_token:  # a session (e.g. a role) of the account: allowed to manage the user's keys
            return "(session)"
        owner = self.keys.get(source.access_key_id)
        if owner is None or owner[1] != source.secret_access_key:
            raise StsRequestError(op, "InvalidClientTokenId", "The security token included in the request is invalid.")
        return owner[0]

    def caller_arn(self, source: Credentials, target: StsTarget) -> str:
        if self._fresh.get(source.access_key_id, 0) > 0:
            self.calls.append(("GetCallerIdentity", source.access_key_id))
            self._fresh[source.access_key_id] -= 1
            raise StsRequestError("GetCallerIdentity", "InvalidClientTokenId", "not yet")
        user = self._check("GetCallerIdentity", source)
        return f"arn:aws:iam::{ACCOUNT}:user/{user}"

    def list_keys(self, source: Credentials, target: StsTarget, user: str) -> list[str]:
        self._check("ListAccessKeys", source)
        return [k for k, (u, _) in self.keys.items() if u == user]

    def create_key(self, source: Credentials, target: StsTarget, user: str) -> Credentials:
        self._check("CreateAccessKey", source)
        key_id = f"AKIANEW{next(self._ids):013d}"
        self.keys[key_id] = (user, f"new-secret-{key_id}")
        self._fresh[key_id] = self.unpropagated
        return Credentials(key_id, f"new-secret-{key_id}")

    def delete_key(self, source: Credentials, target: StsTarget, user: str, key_id: str) -> None:
        self._check("DeleteAccessKey", source)
        if key_id not in self.keys:
            raise StsRequestError("DeleteAccessKey", "NoSuchEntity", f"The Access Key with id {key_id} cannot be found.")
        del self.keys[key_id]


