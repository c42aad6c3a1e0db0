"""The ``keyring`` backend: aws-vault items through whatever backend python-keyring is configured with.

Not one of aws-vault's backends: it reaches python-keyring's plugins (1Password, Bitwarden, KeePassXC,
keyrings.alt, ...) as chosen by ``PYTHON_KEYRING_BACKEND`` or keyring's config file. Each item is one
password, ``set_password(service, key, <Go keyring.Item envelope JSON>)``, as the other stores keep it
(reference §4.1).

python-keyring cannot list what a service holds, so the store keeps an index: a JSON list of keys saved
as the password of the reserved user name ``__aws-vault-index__`` in the same service. Writers update it
read-modify-write under an exclusive ``flock`` on ``$XDG_CACHE_HOME/aws-vault/keyring-<sha256>.lock``
(so parallel aws-vault processes lose no key), and hold that lock across the backend write as well,
since many backends rewrite one file without locking of their own; readers take it shared. ``keys()``
returns the index order and leaves out a key whose password has vanished (deleted outside aws-vault).

Importing this module imports neither ``keyring`` nor any backend: discovery (``keyring.get_keyring()``)
is slow and runs on first use.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from aws_vault.adapters.fs import make_private_dirs
from aws_vault.application.ports import SecretStore
from aws_vault.domain.encoding import b64encode
from aws_vault.domain.errors import CorruptItemError, ItemNotFoundError, StoreError
from aws_vault.domain.items import Item, envelope_from_json, envelope_to_json

INDEX_KEY = "__aws-vault-index__"
_DETAIL_LIMIT = 300
_T = TypeVar("_T")


def _lock_directory() -> str:
    cache = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(cache):  # the XDG spec: a relative path is invalid and ignored
        cache = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "aws-vault")


def _detail(error: BaseException, secrets: tuple[str, ...]) -> str:
    """One line from a backend's exception, with any secret we handed it cut out."""
    text = " ".join(str(error).split()) or type(error).__name__
    if any(secret and secret in text for secret in secrets) or '"Data":' in text:
        # A backend that echoes its input (a CLI plugin's command line, say) gets only its type reported.
        text = f"{type(error).__name__} (details withheld: they quoted the item)"
    elif not text.startswith(type(error).__name__):
        text = f"{type(error).__name__}: {text}"
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 3] + "..."


class KeyringSecretStore(SecretStore):
    """Items as python-keyring passwords ``(service, key)``, plus an index of the keys."""

    def __init__(self, service: str = "aws-vault", backend: object | None = None) -> None:
        self.service = service or "aws-vault"
        self._backend: Any = backend  # a keyring.backend.KeyringBackend; None = keyring.get_keyring(), later
        self._lock_path = ""

    # --- the port ---------------------------------------------------------------------------------------

    def keys(self) -> list[str]:
        with self._lock(exclusive=False):
            return [key for key in self._read_index() if self._password(key) is not None]

    def get(self, key: str) -> Item | None:
        self._check_key(key)
        with self._lock(exclusive=False):
            text = self._password(key)
        if text is None:
            return None
        return envelope_from_json(text.encode("utf-8"), key)

    def set(self, item: Item) -> None:
        self._check_key(item.key)
        text = envelope_to_json(item).decode("utf-8")
        with self._lock(exclusive=True):
            index = self._read_index()
            if item.key not in index:
                # Index first: a failed write then leaves a listed key with no password, which keys() skips,
                # rather than a password no listing can reach.
                self._write_index([*index, item.key])
            secrets = (text, b64encode(item.data))
            self._call("store", item.key, lambda b: b.set_password(self.service, item.key, text), secrets)

    def remove(self, key: str) -> None:
        self._check_key(key)
        with self._lock(exclusive=True):
            index = self._read_index()
            if self._password(key) is None:
                if key in index:
                    self._write_index([k for k in index if k != key])
                raise ItemNotFoundError(key)
            self._call("delete", key, lambda b: b.delete_password(self.service, key))
            if key in index:
                self._write_index([k for k in index if k != key])

    # --- keyring ----------------------------------------------------------------------------------------

    def _check_key(self, key: str) -> None:
        if key == INDEX_KEY:
            raise StoreError(f"keyring store: {INDEX_KEY!r} is reserved for the store's index")
        if not key:
            raise StoreError("keyring store: an item key must not be empty")

    def _resolve(self) -> Any:
        if self._backend is None:
            try:
                import keyring

                self._backend = keyring.get_keyring()
            except ImportError as e:
                raise StoreError("keyring store: the python-keyring library is not installed") from e
            except Exception as e:
                raise StoreError(f"keyring store: no usable keyring backend: {_detail(e, ())}") from None
        return self._backend

    def _call(self, action: str, key: str, op: Callable[[Any], _T], secrets: tuple[str, ...] = ()) -> _T:
        """Run one backend operation; any exception becomes a one-line ``StoreError`` without a secret."""
        backend = self._resolve()
        try:
            return op(backend)
        except Exception as e:
            what = "the index" if key == INDEX_KEY else repr(key)
            name = type(backend).__name__
            # `from None`: the chained exception could quote the secret in a --debug traceback.
            raise StoreError(
                f"keyring backend {name}: cannot {action} {what} of service {self.service!r}: {_detail(e, secrets)}"
            ) from None

    def _password(self, key: str) -> str | None:
        value = self._call("read", key, lambda b: b.get_password(self.service, key))
        if value is not None and not isinstance(value, str):
            raise CorruptItemError(key, f"the keyring backend returned {type(value).__name__}, not text")
        return value

    def _read_index(self) -> list[str]:
        text = self._password(INDEX_KEY)
        if text is None:
            return []
        try:
            keys = json.loads(text)
        except ValueError:
            keys = None
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise StoreError(
                f"keyring store: the index ({INDEX_KEY!r} of service {self.service!r}) is unreadable: "
                "delete it with your keyring tool and add the items again"
            )
        return list(dict.fromkeys(keys))

    def _write_index(self, keys: list[str]) -> None:
        text = json.dumps(keys, ensure_ascii=False, separators=(",", ":"))
        self._call("update", INDEX_KEY, lambda b: b.set_password(self.service, INDEX_KEY, text))

    @contextlib.contextmanager
    def _lock(self, *, exclusive: bool) -> Iterator[None]:
        """``flock`` on this service's lock file: exclusive for writers, shared for readers.

        Without ``flock`` (Windows) or a writable cache directory, no lock, as the other stores."""
        try:
            import fcntl
        except ImportError:
            yield
            return
        if not self._lock_path:
            import hashlib

            digest = hashlib.sha256(self.service.encode("utf-8")).hexdigest()
            self._lock_path = os.path.join(_lock_directory(), f"keyring-{digest}.lock")
        path = self._lock_path
        try:
            make_private_dirs(os.path.dirname(path))  # 0700 whatever the umask, as every directory we create
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            yield  # a read-only cache directory: work without the lock rather than refuse
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)
