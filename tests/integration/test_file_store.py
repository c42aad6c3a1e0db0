"""FileSecretStore against real directories: the SecretStore contract, Go compatibility, safety rules."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk

from aws_vault.adapters.stores import jwe
from aws_vault.adapters.stores.file_store import FileSecretStore, escape_key, go_time_string, unescape_filename
from aws_vault.domain.credentials import master_from_json
from aws_vault.domain.errors import CorruptItemError, StoreError, WrongPassphraseError
from aws_vault.domain.items import Item, credential_item, envelope_to_json
from tests.contracts.secret_store_contract import SecretStoreContract
from tests.data import make_vector

PASSPHRASE = "correct horse battery staple"
FIXTURE_DIR = Path(make_vector.__file__).parent / "filestore"
REPO_ROOT = Path(__file__).resolve().parents[2]

# Written by jose2go (Go) with passphrase "top secret": the PBES2-HS256+A128KW / A256GCM example in
# dvsekhvalnov/jose2go README.md (there since commit a84cf113, 2014; unchanged at f7fd3919).
JOSE2GO_README_A256GCM = (
    "eyJhbGciOiJQQkVTMi1IUzI1NitBMTI4S1ciLCJlbmMiOiJBMjU2R0NNIiwicDJjIjo4MTkyLCJwMnMiOiJlZWpFZTF0YmJVbU5XV2s2In0"
    ".J2HTgltxH3p7A2zDgQWpZPgA2CHTSnDmMhlZWeSOMoZ0YvhphCeg-w.FzYG5AOptknu7jsG.L8jAxfxZhDNIqb0T96YWoznQ"
    ".yNeOfQWUbm8KuDGZ_5lL_g"
)
# Written by jose2go with passphrase "top secret": TestDecrypt_PBSE2_HS256_A128KW_A128CBC_HS256 in
# dvsekhvalnov/jose2go jose_test.go (at f7fd3919). Same key management as aws-vault, other content encryption.
JOSE2GO_TEST_A128CBC_HS256 = (
    "eyJhbGciOiJQQkVTMi1IUzI1NitBMTI4S1ciLCJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwicDJjIjo4MTkyLCJwMnMiOiJiMFlFVmxMemtaNW9UUjBMIn0"
    ".dhPAhJ9kmaEbP-02VtEoPOF2QSEYM5085V6zYt1U1qIlVNRcHTGDgQ.4QAAq0dVQT41dQKDG7dhRA"
    ".H9MgJmesbU1ow6GCa0lEMwv8A_sHvgaWKkaMcdoj_z6O8LaMSgquxA-G85R_5hEILnHUnFllNJ48oJY7VmAJw0BQW73dMnn58u161S6Ft"
    "q7Mjxxq7bcksWvFTVtG5RsqqYSol5BZz5xm8Fcj-y5BMYMvrsCyQhYdeGEHkAvwzRdvZ8pGMsU2XPzl6GqxGjjuRh2vApAeNrj6MwKuD-k6A"
    "R0MH46EiNkVCmMkd2w8CNAXjJe9z97zky93xbxlOLozaC3NBRO2Q4bmdGdRg5y4Ew.xNqRi0ouQd7uo5UrPraedg"
)
JOSE2GO_TEST_PAYLOAD = (
    b'{"exp":1392553211,"sub":"alice","nbf":1392552611,"aud":["https:\\/\\/app-one.com","https:\\/\\/app-two.com"],'
    b'"iss":"https:\\/\\/openid.net","jti":"586dd129-a29f-49c8-9de7-454af1155e27","iat":1392552611}'
)


class Passphrase:
    """A passphrase callable that counts how often it is asked."""

    def __init__(self, value: str = PASSPHRASE) -> None:
        self.value = value
        self.asked = 0

    def __call__(self) -> str:
        self.asked += 1
        return self.value


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def header_pairs(token: str) -> list[tuple[str, object]]:
    return json.loads(b64url_decode(token.split(".")[0]), object_pairs_hook=list)


def decrypt_by_hand(token: str, passphrase: str) -> bytes:
    """PBES2-HS256+A128KW + A256GCM with cryptography primitives only (RFC 7518 §4.8, §5.3)."""
    protected, wrapped, iv, ciphertext, tag = token.split(".")
    header = json.loads(b64url_decode(protected))
    salt = b"PBES2-HS256+A128KW\0" + b64url_decode(header["p2s"])
    kek = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, header["p2c"], 16)
    cek = aes_key_unwrap(kek, b64url_decode(wrapped))
    return AESGCM(cek).decrypt(
        b64url_decode(iv), b64url_decode(ciphertext) + b64url_decode(tag), protected.encode("ascii")
    )


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def fixture_copy(tmp_path: Path) -> Path:
    target = tmp_path / "fixture"
    shutil.copytree(FIXTURE_DIR, target)
    return target


class TestFileSecretStoreContract(SecretStoreContract):
    @pytest.fixture(autouse=True)
    def _directory(self, keys_dir: Path) -> None:
        self.directory = str(keys_dir)

    def make_store(self) -> FileSecretStore:
        return FileSecretStore(self.directory, lambda: PASSPHRASE)


# --- Go-written stores open here -------------------------------------------------------------------------


def test_decrypts_the_jose2go_readme_a256gcm_vector() -> None:
    assert jwe.decrypt(JOSE2GO_README_A256GCM, "top secret") == b'{"hello": "world"}'


def test_the_jose2go_vector_refuses_another_passphrase() -> None:
    with pytest.raises(jwe.WrongKeyError):
        jwe.decrypt(JOSE2GO_README_A256GCM, "top secret!")


def test_unwraps_the_content_key_of_the_jose2go_test_suite_vector() -> None:
    # We decrypt only AES-GCM content, but the key management is aws-vault's: check it on Go's own vector
    # by finishing the A128CBC-HS256 decryption (RFC 7518 §5.2) by hand.
    token = jwe.parse(JOSE2GO_TEST_A128CBC_HS256)
    cek = jwe.content_key(token, "top secret")
    mac_key, enc_key = cek[:16], cek[16:]
    al = (len(token.protected) * 8).to_bytes(8, "big")
    mac = hmac.new(mac_key, token.protected + token.iv + token.ciphertext + al, hashlib.sha256).digest()
    assert hmac.compare_digest(mac[:16], token.tag)
    decryptor = Cipher(algorithms.AES(enc_key), modes.CBC(token.iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    padded = decryptor.update(token.ciphertext) + decryptor.finalize()
    assert unpadder.update(padded) + unpadder.finalize() == JOSE2GO_TEST_PAYLOAD


def test_decrypt_refuses_content_encryption_other_than_gcm() -> None:
    with pytest.raises(jwe.InvalidTokenError, match="unsupported enc 'A128CBC-HS256'"):
        jwe.decrypt(JOSE2GO_TEST_A128CBC_HS256, "top secret")


def test_fixture_store_is_what_the_independent_script_builds() -> None:
    assert snapshot(FIXTURE_DIR) == make_vector.build()


def test_opens_the_hand_built_store() -> None:
    passphrase = Passphrase(make_vector.PASSPHRASE)
    store = FileSecretStore(str(FIXTURE_DIR), passphrase)
    assert store.keys() == ["jonsmith", "ops/admin"]
    item = store.get("jonsmith")
    assert item is not None
    assert (item.key, item.label, item.keychain_not_trust_application) == (
        "jonsmith",
        "aws-vault (jonsmith)",
        True,
    )
    creds = master_from_json(item.data, item.key)
    assert (creds.access_key_id, creds.secret_access_key) == (
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    assert passphrase.asked == 1


def test_reads_p2c_above_jwcrypto_default_cap() -> None:
    token = (FIXTURE_DIR / "ops%2Fadmin").read_text()
    assert dict(header_pairs(token))["p2c"] == 20000  # jwcrypto refuses more than 16384 by default
    item = FileSecretStore(str(FIXTURE_DIR), lambda: make_vector.PASSPHRASE).get("ops/admin")
    assert item is not None
    assert master_from_json(item.data, item.key).access_key_id == "AKIAI44QH8DHBEXAMPLE"


# --- what we write opens elsewhere ----------------------------------------------------------------


def test_written_tokens_open_with_jwcrypto_and_by_hand(keys_dir: Path) -> None:
    item = credential_item("jonsmith", b'{"AccessKeyID":"AKIAEXAMPLE","SecretAccessKey":"s"}')
    FileSecretStore(str(keys_dir), lambda: PASSPHRASE).set(item)
    token = (keys_dir / "jonsmith").read_text()

    reader = jwcrypto_jwe.JWE()
    reader.deserialize(token, key=jwk.JWK.from_password(PASSPHRASE))
    assert reader.payload == envelope_to_json(item)
    assert decrypt_by_hand(token, PASSPHRASE) == envelope_to_json(item)


def test_written_header_is_shaped_as_go_writes_it(keys_dir: Path) -> None:
    FileSecretStore(str(keys_dir), lambda: PASSPHRASE).set(Item("jonsmith", b"x"))
    token = (keys_dir / "jonsmith").read_text()
    assert token.count(".") == 4
    pairs = header_pairs(token)
    assert [k for k, _ in pairs] == ["alg", "created", "enc", "p2c", "p2s"]
    header = dict(pairs)
    assert (header["alg"], header["enc"], header["p2c"]) == ("PBES2-HS256+A128KW", "A256GCM", 8192)
    assert len(b64url_decode(str(header["p2s"]))) == 12
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4} \S+ m=\+\d+\.\d{9}", str(header["created"])
    )
    # Compact, as Go's encoder writes it.
    assert b64url_decode(token.split(".")[0]).startswith(b'{"alg":"PBES2-HS256+A128KW","created":"')


def test_each_write_uses_a_fresh_salt(keys_dir: Path) -> None:
    store = FileSecretStore(str(keys_dir), lambda: PASSPHRASE)
    store.set(Item("a", b"x"))
    store.set(Item("b", b"x"))
    salts = {dict(header_pairs((keys_dir / name).read_text()))["p2s"] for name in ("a", "b")}
    assert len(salts) == 2


def test_go_time_string() -> None:
    aest = timezone(timedelta(hours=10), "AEST")
    assert (
        go_time_string(datetime(2023, 5, 25, 7, 30, 6, 123450, tzinfo=aest), 0.012345678)
        == "2023-05-25 07:30:06.12345 +1000 AEST m=+0.012345678"
    )
    assert go_time_string(datetime(2023, 5, 25, 7, 30, 6, tzinfo=aest), 1.5) == (
        "2023-05-25 07:30:06 +1000 AEST m=+1.500000000"
    )


# --- passphrase rules -----------------------------------------------------------------------------


def test_wrong_passphrase_on_get_names_the_directory_and_changes_nothing(fixture_copy: Path) -> None:
    before = snapshot(fixture_copy)
    store = FileSecretStore(str(fixture_copy), lambda: "not the passphrase")
    with pytest.raises(WrongPassphraseError, match=re.escape(str(fixture_copy))):
        store.get("jonsmith")
    assert snapshot(fixture_copy) == before


def test_set_refuses_a_passphrase_that_opens_no_existing_item(fixture_copy: Path) -> None:
    before = snapshot(fixture_copy)
    store = FileSecretStore(str(fixture_copy), lambda: "not the passphrase")
    with pytest.raises(WrongPassphraseError, match=re.escape(str(fixture_copy))):
        store.set(Item("newcomer", b"x"))
    with pytest.raises(WrongPassphraseError):
        store.set(Item("jonsmith", b"overwrite"))
    assert snapshot(fixture_copy) == before


def test_set_accepts_a_passphrase_that_opens_some_existing_item(fixture_copy: Path) -> None:
    # A store already split by aws-vault#828: one item (listed first) under another passphrase.
    (fixture_copy / "aaa").write_text(make_vector.build_token(b"{}", "another", make_vector.VECTORS[0]))
    FileSecretStore(str(fixture_copy), lambda: make_vector.PASSPHRASE).set(Item("newcomer", b"y"))
    item = FileSecretStore(str(fixture_copy), lambda: make_vector.PASSPHRASE).get("newcomer")
    assert item is not None and item.data == b"y"


def test_set_with_the_right_passphrase_adds_to_a_go_store(fixture_copy: Path) -> None:
    store = FileSecretStore(str(fixture_copy), lambda: make_vector.PASSPHRASE)
    store.set(Item("newcomer", b"y"))
    assert store.keys() == ["jonsmith", "newcomer", "ops/admin"]


def test_empty_passphrase_is_refused_for_set(keys_dir: Path) -> None:
    store = FileSecretStore(str(keys_dir), lambda: "")
    with pytest.raises(StoreError, match="refusing an empty passphrase for the file store"):
        store.set(Item("jonsmith", b"x"))
    assert not keys_dir.exists()


def test_passphrase_is_asked_at_most_once(keys_dir: Path) -> None:
    passphrase = Passphrase()
    store = FileSecretStore(str(keys_dir), passphrase)
    for i in range(5):
        store.set(Item(f"k{i}", b"x"))
        assert store.get(f"k{i}") is not None
    assert passphrase.asked == 1


def test_listing_missing_gets_and_removal_do_not_ask_for_the_passphrase(keys_dir: Path) -> None:
    FileSecretStore(str(keys_dir), lambda: PASSPHRASE).set(Item("present", b"x"))
    passphrase = Passphrase()
    store = FileSecretStore(str(keys_dir), passphrase)
    assert store.keys() == ["present"]
    assert store.get("absent") is None
    store.remove("present")
    assert passphrase.asked == 0


def test_get_on_a_missing_directory_is_none_and_creates_nothing(keys_dir: Path) -> None:
    store = FileSecretStore(str(keys_dir), Passphrase())
    assert store.keys() == []
    assert store.get("jonsmith") is None
    assert not keys_dir.exists()


# --- files on disk --------------------------------------------------------------------------------


def test_directory_is_0700_and_files_0600_whatever_the_umask(tmp_path: Path) -> None:
    directory = tmp_path / "a" / "keys"
    old = os.umask(0)
    try:
        FileSecretStore(str(directory), lambda: PASSPHRASE).set(Item("jonsmith", b"x"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / "jonsmith").stat().st_mode) == 0o600


def test_writes_leave_no_temporary_files(keys_dir: Path) -> None:
    store = FileSecretStore(str(keys_dir), lambda: PASSPHRASE)
    for _ in range(3):
        store.set(Item("jonsmith", b"x"))
        store.set(Item("a/b", b"y"))
    assert sorted(os.listdir(keys_dir)) == ["a%2Fb", "jonsmith"]


def test_a_temporary_file_left_by_a_crashed_writer_is_not_a_key(keys_dir: Path) -> None:
    store = FileSecretStore(str(keys_dir), lambda: PASSPHRASE)
    store.set(Item("jonsmith", b"x"))
    (keys_dir / ".%tmp-0123456789abcdef").write_bytes(b"half a tok")
    assert store.keys() == ["jonsmith"]


@pytest.mark.parametrize(
    ("key", "file_name"),
    [
        ("jonsmith", "jonsmith"),
        ("oidc:https://example.awsapps.com/start", "oidc:https:%2F%2Fexample.awsapps.com%2Fstart"),
        ("abc/.././123", "abc%2F..%2F.%2F123"),
        ("100%", "100%25"),
        ("a%2Fb", "a%252Fb"),
        ("jöns é", "jöns é"),
    ],
)
def test_file_names_escape_only_slash_and_percent(keys_dir: Path, key: str, file_name: str) -> None:
    assert escape_key(key) == file_name
    store = FileSecretStore(str(keys_dir), lambda: PASSPHRASE)
    store.set(Item(key, b"x"))
    assert os.listdir(keys_dir) == [file_name]
    assert store.keys() == [key]


@pytest.mark.parametrize(
    ("file_name", "key"),
    [("a%2fb", "a/b"), ("caf%C3%A9", "café"), ("%zz%4", "%zz%4"), ("%41%2F", "A/")],
)
def test_any_valid_percent_escape_decodes(file_name: str, key: str) -> None:
    assert unescape_filename(file_name) == key


@pytest.mark.parametrize("key", ["", ".", ".."])
def test_keys_that_name_no_file_are_refused(keys_dir: Path, key: str) -> None:
    store = FileSecretStore(str(keys_dir), lambda: PASSPHRASE)
    with pytest.raises(StoreError, match="invalid key"):
        store.set(Item(key, b"x"))
    with pytest.raises(StoreError, match="invalid key"):
        store.get(key)


def test_tilde_slash_is_the_home_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert FileSecretStore("~/.awsvault/keys", Passphrase()).directory == str(tmp_path / ".awsvault" / "keys")
    assert FileSecretStore("~other/keys", Passphrase()).directory == "~other/keys"


# --- errors ---------------------------------------------------------------------------------------


def _replace_header(token: str, **changes: object) -> str:
    parts = token.split(".")
    header = json.loads(b64url_decode(parts[0]))
    header.update(changes)
    parts[0] = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    return ".".join(parts)


def _flip_a_ciphertext_bit(token: str) -> str:
    parts = token.split(".")
    ciphertext = bytearray(b64url_decode(parts[3]))
    ciphertext[-1] ^= 1
    parts[3] = base64.urlsafe_b64encode(bytes(ciphertext)).rstrip(b"=").decode()
    return ".".join(parts)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda token: "not a token",
        lambda token: token[: len(token) // 2],
        lambda token: token.replace(".", "!", 1),
        _flip_a_ciphertext_bit,
        lambda token: _replace_header(token, p2c=1_300_001),
        lambda token: _replace_header(token, p2c=0),
        lambda token: _replace_header(token, alg="dir"),
    ],
    ids=["garbage", "truncated", "bad-encoding", "tampered", "p2c-too-big", "p2c-zero", "other-alg"],
)
def test_an_unreadable_file_is_a_corrupt_item_naming_the_key(fixture_copy: Path, spoil) -> None:
    path = fixture_copy / "ops%2Fadmin"
    path.write_text(spoil(path.read_text()))
    store = FileSecretStore(str(fixture_copy), lambda: make_vector.PASSPHRASE)
    with pytest.raises(CorruptItemError, match="'ops/admin'"):
        store.get("ops/admin")


def test_os_errors_become_store_errors_naming_the_path(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    store = FileSecretStore(str(not_a_dir), lambda: PASSPHRASE)
    for call in (store.keys, lambda: store.get("jonsmith"), lambda: store.set(Item("jonsmith", b"x"))):
        with pytest.raises(StoreError, match=re.escape(str(not_a_dir))):
            call()


def test_removing_an_item_that_is_a_directory_is_a_store_error(keys_dir: Path) -> None:
    (keys_dir / "sub").mkdir(parents=True)
    with pytest.raises(StoreError, match="cannot remove"):
        FileSecretStore(str(keys_dir), lambda: PASSPHRASE).remove("sub")


# --- import cost ----------------------------------------------------------------------------------


def _run_python(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=60)


def test_importing_the_store_loads_no_crypto_library() -> None:
    _run_python(
        "import aws_vault.adapters.stores.file_store, sys; "
        "assert 'jwcrypto' not in sys.modules and 'cryptography' not in sys.modules"
    )


def test_the_read_path_does_not_load_jwcrypto() -> None:
    _run_python(
        "import sys\n"
        "from aws_vault.adapters.stores.file_store import FileSecretStore\n"
        f"store = FileSecretStore({str(FIXTURE_DIR)!r}, lambda: {make_vector.PASSPHRASE!r})\n"
        "assert store.keys() and store.get('jonsmith') is not None\n"
        "assert 'jwcrypto' not in sys.modules, 'jwcrypto loaded on the read path'\n"
    )
