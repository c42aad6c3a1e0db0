"""``rotate``: replace a profile's long-term access key, never losing a working one (reference §8).

aws-vault's order (create, store, delete the old key with retries) leaves users with a stored key that
does not work yet (aws-vault #132/#485/#508/#536: ``InvalidClientTokenId`` right after rotating) or with
two keys or none after a failure in the middle. Here, at every step the store holds a key that works:

1. find the master credentials (the profile's own stored keys, else its ``source_profile``'s);
2. refuse at once when the IAM user already has two keys (IAM's limit): nothing has changed yet;
3. create the new key, through a fresh session of the profile (MFA as configured) unless ``no_session``;
4. **verify** it (sts:GetCallerIdentity as the same user), retrying with backoff while IAM propagates;
   a key that never works is deleted again and the stored key is left alone;
5. store it (a failed write deletes the new key again; the old one is still stored and active);
6. delete the sessions of every profile whose credentials come from the master;
7. delete the old key, retrying; if IAM refuses, the message says exactly which key is left and how
   to delete it (the store already holds the new, working key).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from aws_vault.application.bus import EventBus
from aws_vault.application.ports import AccessKeys, Clock, SecretStore
from aws_vault.application.session_cache import SessionCache
from aws_vault.application.use_cases.get_credentials import (
    CredentialsRequest,
    ResolvedCredentials,
    ResolveProfile,
    stored_credential_names,
)
from aws_vault.application.use_cases.list_profiles import credentials_source
from aws_vault.domain.credentials import Credentials, master_from_json, master_to_json
from aws_vault.domain.errors import AwsVaultError, StsRequestError
from aws_vault.domain.events import CredentialsStored, SessionsDeleted
from aws_vault.domain.items import credential_item
from aws_vault.domain.plan import StsTarget, sts_target
from aws_vault.domain.records import Record
from aws_vault.domain.role_chain import resolve_profile

VERIFY_FOR = timedelta(seconds=60)  # how long a new key may take to start working (IAM is eventually consistent)
DELETE_FOR = timedelta(seconds=20)  # aws-vault retries DeleteAccessKey every 2 s for 20 s (§8 step 10)


class RotationError(AwsVaultError):
    """Rotation stopped; the message says what the store holds and what is left in IAM."""


class RotateRequest(Record):
    profile: str
    no_session: bool = False
    mfa_token: str = ""


def user_from_arn(arn: str) -> str:
    """``arn:aws:iam::123:user/path/name`` -> ``name``; ``""`` for the root user (IAM then uses the caller)."""
    resource = arn.split(":", 5)[-1]
    if resource.startswith("user/"):
        return resource.rsplit("/", 1)[-1]
    if resource == "root":
        return ""
    raise RotationError(f"the stored key belongs to {arn}, not to an IAM user: it cannot be rotated")


def _delete_command(key_id: str, user: str) -> str:
    return f"aws iam delete-access-key --access-key-id {key_id}" + (f" --user-name {user}" if user else "")


class RotateKeys:
    def __init__(
        self,
        resolve: ResolveProfile,
        fresh_credentials: Callable[[CredentialsRequest], ResolvedCredentials],
        store: SecretStore,
        keys: AccessKeys,
        cache: SessionCache,
        clock: Clock,
        bus: EventBus,
        say: Callable[[str], None],
        verify_for: timedelta = VERIFY_FOR,
    ) -> None:
        self.verify_for = verify_for
        self.resolve = resolve
        self.fresh_credentials = fresh_credentials  # the pipeline without the session cache (§3.2)
        self.store = store
        self.keys = keys
        self.cache = cache
        self.clock = clock
        self.bus = bus
        self.say = say

    def __call__(self, request: RotateRequest) -> None:
        stored = set(stored_credential_names(self.store))
        profile = resolve_profile(self.resolve.config.load(), request.profile, env=self.resolve.env, stored=stored)
        if profile.name in stored:
            master = profile.name
        elif profile.source_profile_name in stored:
            master = profile.source_profile_name
        else:
            raise RotationError(
                f"Error determining credential name for '{request.profile}': No master credentials found"
            )
        how = "master credentials" if request.no_session else f"a session from profile '{profile.name}'"
        self.say(f"Rotating credentials stored for profile '{master}' using {how} (takes 10-20 seconds)")
        item = self.store.get(master)
        if item is None:
            raise RotationError(f"Error loading source credentials for '{master}': not found")
        old = master_from_json(item.data, master)
        target = sts_target(profile)
        owner = self.keys.caller_arn(old, target)
        user = user_from_arn(owner)
        # --no-session: the master's own keys (aws-vault used the named profile's, which fails for roles).
        iam = old if request.no_session else self.fresh_credentials(CredentialsRequest(profile.name)).credentials
        try:
            existing = self.keys.list_keys(iam, target, user)
        except StsRequestError as e:
            if e.code != "AccessDenied":
                raise
            existing = []  # aws-vault's documented policy has no iam:ListAccessKeys: CreateAccessKey will tell
        others = [k for k in existing if k != old.access_key_id]
        if len(existing) >= 2:
            raise RotationError(f"{self._two_keys(user, len(existing))} Delete the one aws-vault does not use "
                                f"({', '.join(others)}) with `{_delete_command(others[0], user)}` and rotate again")

        self.say("Creating a new access key")
        try:
            new = self.keys.create_key(iam, target, user)
        except StsRequestError as e:
            if e.code != "LimitExceeded":
                raise
            two = self._two_keys(user, 2)
            raise RotationError(f"{two} Delete the one aws-vault does not use and rotate again") from e
        self.say(f"Created new access key {new.masked_key_id}")
        self._verify(new, owner, target, iam, user)
        try:
            self.store.set(credential_item(master, master_to_json(new, self.clock.now())))
        except AwsVaultError as e:
            self._undo(new, target, iam, user, f"the new key could not be stored ({e})")
        self.bus.publish(CredentialsStored(master))
        for name in self._profiles_using(master):
            deleted = self.cache.delete_for_profile(name)
            if deleted:
                self.bus.publish(SessionsDeleted(name, deleted))
                self.say(f"Deleted {deleted} sessions for {name}")

        self.say(f"Deleting old access key {old.masked_key_id}")
        self._delete_old(old, target, iam, new, user)
        self.say(f"Deleted old access key {old.masked_key_id}")
        self.say("Finished rotating access key")

    @staticmethod
    def _two_keys(user: str, count: int) -> str:
        who = f"IAM user {user}" if user else "the account's root user"
        return (f"{who} already has {count} access keys, IAM's limit, so a new one cannot be created; "
                "nothing was changed.")

    def _verify(self, new: Credentials, expected: str, target: StsTarget, iam: Credentials, user: str) -> None:
        """GetCallerIdentity with the new key until it answers as the old key's user (``expected``), with
        backoff. Nothing here may fail without deleting the new key again."""
        deadline = self.clock.now() + self.verify_for
        delay = 1.0
        while True:
            try:
                arn = self.keys.caller_arn(new, target)
            except AwsVaultError as e:
                if self.clock.now() + timedelta(seconds=delay) > deadline:
                    self._undo(new, target, iam, user, f"the new key never worked ({e})")
                self.clock.sleep(delay)
                delay = min(delay * 2, 8.0)
                continue
            if arn != expected:
                self._undo(new, target, iam, user, f"the new key belongs to {arn}, not to {expected}")
            return

    def _undo(self, new: Credentials, target: StsTarget, iam: Credentials, user: str, why: str) -> None:
        """Delete the new key again; the store still holds the old, working key. Always raises."""
        try:
            self.keys.delete_key(iam, target, user, new.access_key_id)
        except AwsVaultError as e:
            raise RotationError(
                f"{why}; your stored key is unchanged and still works, but the new key {new.access_key_id} "
                f"could not be deleted ({e}): delete it with `{_delete_command(new.access_key_id, user)}`"
            ) from e
        raise RotationError(f"{why}; it was deleted again, and your stored key is unchanged and still works")

    def _delete_old(self, old: Credentials, target: StsTarget, iam: Credentials, new: Credentials, user: str) -> None:
        # The old key's session may stop working once the old key is gone; the new key is verified, so
        # it signs the delete when the first one fails.
        deadline = self.clock.now() + DELETE_FOR
        attempts = 0
        while True:
            attempts += 1
            try:
                self.keys.delete_key(iam if attempts == 1 else new, target, user, old.access_key_id)
                return
            except AwsVaultError as e:
                if self.clock.now() + timedelta(seconds=2) > deadline:
                    raise RotationError(
                        f"the new key {new.masked_key_id} is stored and works, but the old key {old.access_key_id} "
                        f"is still active in IAM after {attempts} attempts (last error: {e}): delete it with "
                        f"`{_delete_command(old.access_key_id, user)}`"
                    ) from e
                self.clock.sleep(2)

    def _profiles_using(self, master: str) -> list[str]:
        config = self.resolve.config.load()
        stored = {master}
        names = [n for n in config.profile_names() if credentials_source(config, n, stored) == master]
        return names if master in names else [master, *names]
