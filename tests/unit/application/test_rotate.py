"""``rotate`` with fakes: at every failure point the store holds a key that works, and the message says
what is left in IAM."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aws_vault.application.bus import EventBus
from aws_vault.application.pipeline import CredentialPipeline
from aws_vault.application.session_cache import SessionCache
from aws_vault.application.use_cases.get_credentials import GetCredentials, ResolveProfile
from aws_vault.application.use_cases.rotate import RotateKeys, RotateRequest, RotationError
from aws_vault.domain.credentials import Credentials, master_from_json, master_to_json
from aws_vault.domain.errors import StoreError
from aws_vault.domain.items import Item, credential_item
from aws_vault.domain.plan import CacheSpec
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.domain.sessions import KeyKind, classify_key
from tests.fakes.access_keys import FakeAccessKeys
from tests.fakes.clock import FakeClock
from tests.fakes.config_source import FakeConfigSource
from tests.fakes.prompts import FakeMfaPrompt
from tests.fakes.secret_store import FakeSecretStore
from tests.fakes.token_service import FakeTokenService

CONFIG = ConfigFile(
    "/fake/config",
    (
        Section("work", {"region": "eu-west-1"}),
        Section("admin", {"role_arn": "arn:aws:iam::123456789012:role/admin", "source_profile": "work"}),
        Section("other", {"region": "us-east-1"}),
    ),
)


class FailingSetStore(FakeSecretStore):
    def __init__(self) -> None:
        super().__init__()
        self.fail_sets = False

    def set(self, item: Item) -> None:
        if self.fail_sets:
            raise StoreError("disk full")
        super().set(item)


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.store = FailingSetStore()
        self.iam = FakeAccessKeys()
        self.old = self.iam.add_user_key("jon", "AKIAOLD0000000000001", "old-secret")
        self.store.set(credential_item("work", master_to_json(self.old)))
        self.bus = EventBus()
        self.cache = SessionCache(self.store, self.clock, self.bus, timedelta(minutes=5))
        self.sts = FakeTokenService(clock=self.clock)
        self.lines: list[str] = []

    def rotate(self, profile: str = "work", no_session: bool = True) -> None:
        resolve = ResolveProfile(FakeConfigSource(CONFIG), self.store, {})
        pipeline = CredentialPipeline(self.store, self.sts, FakeMfaPrompt(), self.clock, self.bus, None)
        RotateKeys(resolve, GetCredentials(resolve, pipeline, self.bus), self.store, self.iam, self.cache,
                   self.clock, self.bus, self.lines.append)(RotateRequest(profile, no_session=no_session))

    def stored(self) -> Credentials:
        item = self.store.get("work")
        assert item is not None
        return master_from_json(item.data, "work")

    def works(self, creds: Credentials) -> bool:
        return self.iam.keys.get(creds.access_key_id, ("", ""))[1] == creds.secret_access_key


@pytest.fixture
def world() -> World:
    return World()


def test_rotation_stores_a_verified_key_and_deletes_the_old_one(world: World) -> None:
    world.cache.save(CacheSpec("sts.GetSessionToken", "work", ""),
                     Credentials("ASIAX", "s", "t", world.clock.now() + timedelta(hours=1)))
    world.rotate()
    new = world.stored()
    assert new.access_key_id != world.old.access_key_id and world.works(new)
    assert list(world.iam.keys) == [new.access_key_id]  # exactly one key: the new one
    assert [k for k in world.store.keys() if classify_key(k) == KeyKind.SESSION] == []
    assert world.lines == [
        "Rotating credentials stored for profile 'work' using master credentials (takes 10-20 seconds)",
        "Creating a new access key",
        f"Created new access key {new.masked_key_id}",
        "Deleted 1 sessions for work",
        "Deleting old access key ****************0001",
        "Deleted old access key ****************0001",
        "Finished rotating access key",
    ]
    ops = [op for op, _ in world.iam.calls]
    assert ops.index("CreateAccessKey") < max(i for i, op in enumerate(ops) if op == "GetCallerIdentity")
    assert ops[-1] == "DeleteAccessKey"


def test_a_role_profile_rotates_its_source_through_a_fresh_session(world: World) -> None:
    world.rotate("admin", no_session=False)
    assert world.lines[0] == (
        "Rotating credentials stored for profile 'work' using a session from profile 'admin' (takes 10-20 seconds)"
    )
    assert [c.op for c in world.sts.calls] == ["AssumeRole"]  # fresh: no cached session is used
    assert world.works(world.stored())


def test_the_new_key_is_retried_while_iam_propagates(world: World) -> None:
    world.iam.unpropagated = 3
    world.rotate()
    assert world.works(world.stored())
    assert world.clock.slept[:3] == [1.0, 2.0, 4.0]


def test_a_user_with_two_keys_gets_an_error_before_anything_changes(world: World) -> None:
    world.iam.add_user_key("jon", "AKIAOTHER00000000002", "other")
    with pytest.raises(RotationError) as caught:
        world.rotate()
    assert str(caught.value) == (
        "IAM user jon already has 2 access keys, IAM's limit, so a new one cannot be created; nothing was changed. "
        "Delete the one aws-vault does not use (AKIAOTHER00000000002) with "
        "`aws iam delete-access-key --access-key-id AKIAOTHER00000000002 --user-name jon` and rotate again"
    )
    assert world.stored() == world.old and "CreateAccessKey" not in [op for op, _ in world.iam.calls]


def test_create_refused_changes_nothing(world: World) -> None:
    world.iam.fail["CreateAccessKey"] = 1
    with pytest.raises(Exception, match="CreateAccessKey"):
        world.rotate()
    assert world.stored() == world.old and world.works(world.old) and len(world.iam.keys) == 1


def test_a_new_key_that_never_works_is_deleted_and_the_old_one_kept(world: World) -> None:
    world.iam.unpropagated = 1000
    with pytest.raises(RotationError, match=r"the new key never worked .*it was deleted again, and your stored key is "
                                            r"unchanged and still works"):
        world.rotate()
    assert world.stored() == world.old and world.works(world.old)
    assert list(world.iam.keys) == [world.old.access_key_id]


def test_a_failed_store_write_deletes_the_new_key(world: World) -> None:
    world.store.fail_sets = True
    with pytest.raises(RotationError, match=r"the new key could not be stored \(disk full\); it was deleted again"):
        world.rotate()
    assert world.stored() == world.old and list(world.iam.keys) == [world.old.access_key_id]


def test_when_even_the_clean_up_fails_the_leftover_key_is_named(world: World) -> None:
    world.store.fail_sets = True
    world.iam.fail["DeleteAccessKey"] = -1
    with pytest.raises(RotationError) as caught:
        world.rotate()
    (new_id,) = [k for k in world.iam.keys if k != world.old.access_key_id]
    assert f"the new key {new_id} could not be deleted" in str(caught.value)
    assert f"`aws iam delete-access-key --access-key-id {new_id} --user-name jon`" in str(caught.value)
    assert world.stored() == world.old and world.works(world.old)


def test_delete_of_the_old_key_refused_names_it_and_the_store_has_the_new_key(world: World) -> None:
    world.iam.fail["DeleteAccessKey"] = -1
    with pytest.raises(RotationError) as caught:
        world.rotate()
    new = world.stored()
    assert world.works(new)
    message = str(caught.value)
    assert message.startswith(f"the new key {new.masked_key_id} is stored and works, but the old key "
                              "AKIAOLD0000000000001 is still active in IAM after")
    assert message.endswith("`aws iam delete-access-key --access-key-id AKIAOLD0000000000001 --user-name jon`")
    assert sum(1 for s in world.clock.slept if s == 2) >= 5  # retried every 2 s for 20 s, as aws-vault


def test_no_master_credentials(world: World) -> None:
    with pytest.raises(RotationError, match="Error determining credential name for 'other': No master credentials found"):
        world.rotate("other")


def test_without_list_permission_rotation_goes_on_and_the_limit_is_explained(world: World) -> None:
    from aws_vault.domain.errors import StsRequestError

    class NoList(FakeAccessKeys):
        def list_keys(self, source, target, user):  # type: ignore[no-untyped-def]
            raise StsRequestError("ListAccessKeys", "AccessDenied", "not authorized")

        def create_key(self, source, target, user):  # type: ignore[no-untyped-def]
            if len([k for k, (u, _) in self.keys.items() if u == user]) >= 2:
                raise StsRequestError("CreateAccessKey", "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
            return super().create_key(source, target, user)

    keys = NoList(keys=dict(world.iam.keys))
    world.iam = keys
    world.rotate()  # aws-vault's documented policy has no iam:ListAccessKeys
    assert world.works(world.stored())
    keys.add_user_key("jon", "AKIAOTHER00000000002", "other")
    with pytest.raises(RotationError, match=r"^IAM user jon already has 2 access keys, IAM's limit"):
        world.rotate()
