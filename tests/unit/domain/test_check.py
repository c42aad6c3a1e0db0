"""``check_config``: every finding kind, on configs parsed by the real parser (so line numbers are real)."""

from __future__ import annotations

from textwrap import dedent

from hypothesis import given, settings
from hypothesis import strategies as st

from aws_vault.adapters.config.aws_config_source import parse_config_text
from aws_vault.domain.check import Finding, check_config
from aws_vault.domain.profiles import ConfigFile, Section

PATH = "/home/me/.aws/config"
ACCOUNT = "123456789012"
MFA = f"arn:aws:iam::{ACCOUNT}:mfa/me"
OTHER_MFA = f"arn:aws:iam::{ACCOUNT}:mfa/other"


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def check(text: str) -> list[Finding]:
    return check_config(parse_config_text(dedent(text), PATH))


def summary(findings: list[Finding]) -> list[tuple[int, str, str, str]]:
    """(line, severity, profile, code) per finding."""
    return [(f.line, f.severity, f.profile, f.code) for f in findings]


def test_a_clean_config_has_no_findings() -> None:
    text = f"""\
    [default]
    region = eu-west-1
    output = json
    cli_pager =
    s3 =
      max_concurrent_requests = 10

    [profile user]
    mfa_serial = {MFA}

    [profile admin]
    source_profile = user
    role_arn = {role("admin")}
    mfa_serial = {MFA}
    duration_seconds = 43200

    [profile readonly]
    include_profile = admin
    role_arn = {role("readonly")}

    [profile hardware]
    mfa_serial = GAHT12345678

    [profile sso]
    sso_session = corp
    sso_account_id = {ACCOUNT}
    sso_role_name = Admin

    [sso-session corp]
    sso_start_url = https://corp.awsapps.com/start
    sso_region = us-east-1
    sso_registration_scopes = sso:account:access
    """
    assert check(text) == []


def test_an_empty_config_has_no_findings() -> None:
    assert check_config(ConfigFile(path=PATH)) == []


def test_source_profile_loop_is_one_error_naming_the_loop() -> None:
    findings = check(
        """\
        [profile start]
        source_profile = a

        [profile a]
        source_profile = b

        [profile b]
        source_profile = a
        """
    )
    assert findings == [
        Finding("error", PATH, 4, "a", "source_profile", "source_profile loop: a -> b -> a", "source-loop")
    ]


def test_a_profile_naming_itself_as_source_is_no_loop() -> None:
    assert check("[profile keys]\nsource_profile = keys\nregion = eu-west-1\n") == []


def test_missing_source_and_include_targets() -> None:
    findings = check(
        """\
        [profile a]
        region = eu-west-1

        [profile b]
        source_profile = ghost
        role_arn = arn:aws:iam::123456789012:role/b

        [profile c]
        include_profile = phantom
        """
    )
    assert summary(findings) == [
        (4, "error", "b", "missing-source-profile"),
        (8, "error", "c", "missing-include-profile"),
    ]
    assert findings[0].message == "source_profile 'ghost' has no [profile ghost] section in the config"
    assert findings[0].key == "source_profile"
    assert findings[1].key == "include_profile"


def test_a_source_with_stored_credentials_needs_no_section() -> None:
    config = parse_config_text(f"[profile b]\nsource_profile = keys\nrole_arn = {role('b')}\n", PATH)
    assert [f.code for f in check_config(config)] == ["missing-source-profile"]
    assert check_config(config, stored={"keys"}) == []


def test_include_profile_loop() -> None:
    findings = check(
        """\
        [profile x]
        include_profile = y

        [profile y]
        include_profile = x
        """
    )
    assert findings == [
        Finding("error", PATH, 1, "x", "include_profile", "include_profile loop: x -> y -> x", "include-loop")
    ]


def test_include_loop_through_the_default_fall_through() -> None:
    # [default] includes a, and a (without include_profile) falls through to [default] (reference §2.3).
    findings = check(
        """\
        [profile a]
        region = eu-west-1

        [default]
        include_profile = a
        """
    )
    assert summary(findings) == [(1, "error", "a", "include-loop")]
    assert findings[0].message.startswith("include_profile loop: a -> default -> a (")


def test_malformed_arns() -> None:
    findings = check(
        f"""\
        [profile user-not-role]
        role_arn = arn:aws:iam::{ACCOUNT}:user/alice
        mfa_serial = arn:aws:iam::{ACCOUNT}:user/alice

        [profile typo]
        role_arn = {ACCOUNT}:role/admin
        mfa_serial = 123

        [profile ok]
        mfa_serial = GAHT12345678
        """
    )
    assert summary(findings) == [
        (1, "error", "user-not-role", "invalid-role-arn"),
        (1, "error", "user-not-role", "invalid-mfa-serial"),
        (5, "error", "typo", "invalid-role-arn"),
        (5, "error", "typo", "invalid-mfa-serial"),
    ]
    assert findings[0].key == "role_arn"
    assert findings[1].key == "mfa_serial"
    assert f"arn:aws:iam::{ACCOUNT}:user/alice" in findings[0].message


def test_a_bad_role_arn_does_not_hide_the_chain_above_it() -> None:
    findings = check(
        f"""\
        [profile a]
        role_arn = nonsense

        [profile b]
        source_profile = a
        role_arn = {role("b")}

        [profile c]
        source_profile = b
        role_arn = {role("c")}
        duration_seconds = 7200
        """
    )
    assert summary(findings) == [(1, "error", "a", "invalid-role-arn"), (8, "warning", "c", "role-chain-capped")]


def test_duration_limits() -> None:
    findings = check(
        f"""\
        [profile short]
        role_arn = {role("short")}
        duration_seconds = 899

        [profile long]
        role_arn = {role("long")}
        duration_seconds = 43201

        [profile words]
        role_arn = {role("words")}
        duration_seconds = 1h

        [profile edges]
        role_arn = {role("edges")}
        duration_seconds = 900
        """
    )
    assert summary(findings) == [
        (1, "error", "short", "duration-out-of-range"),
        (5, "error", "long", "duration-out-of-range"),
        (9, "error", "words", "invalid-duration"),
    ]
    assert "900..43200" in findings[0].message
    assert all(f.key == "duration_seconds" for f in findings)


def test_role_chaining_over_an_hour_is_capped() -> None:
    findings = check(
        f"""\
        [profile user]
        mfa_serial = {MFA}

        [profile first]
        source_profile = user
        role_arn = {role("first")}
        mfa_serial = {MFA}

        [profile second]
        source_profile = first
        role_arn = {role("second")}
        mfa_serial = {MFA}
        duration_seconds = 7200
        """
    )
    assert summary(findings) == [(9, "warning", "second", "role-chain-capped")]
    assert findings[0].key == "duration_seconds"
    assert "7200s is cut to 3600s" in findings[0].message


def test_a_single_role_from_long_term_keys_keeps_its_full_duration() -> None:
    text = f"""\
    [profile user]
    mfa_serial = {MFA}

    [profile admin]
    source_profile = user
    role_arn = {role("admin")}
    mfa_serial = {MFA}
    duration_seconds = 43200
    """
    assert check(text) == []


def test_a_long_role_is_capped_when_another_role_is_chained_on_it() -> None:
    findings = check(
        f"""\
        [profile user]
        mfa_serial = {MFA}

        [profile admin]
        source_profile = user
        role_arn = {role("admin")}
        mfa_serial = {MFA}
        duration_seconds = 7200

        [profile deeper]
        source_profile = admin
        role_arn = {role("deeper")}
        """
    )
    assert summary(findings) == [(4, "warning", "admin", "role-chain-capped")]
    assert "when used as the source of deeper" in findings[0].message


def test_a_role_on_sso_credentials_is_role_chaining() -> None:
    findings = check(
        f"""\
        [profile sso]
        sso_start_url = https://corp.awsapps.com/start
        sso_region = us-east-1
        sso_account_id = {ACCOUNT}
        sso_role_name = Admin

        [profile on-sso]
        source_profile = sso
        role_arn = {role("on-sso")}
        duration_seconds = 14400
        """
    )
    assert summary(findings) == [(7, "warning", "on-sso", "role-chain-capped")]


def test_mfa_serial_mismatch_along_a_chain() -> None:
    findings = check(
        f"""\
        [profile user]
        mfa_serial = {MFA}

        [profile same]
        source_profile = user
        role_arn = {role("same")}
        mfa_serial = {MFA}

        [profile hop]
        source_profile = same
        role_arn = {role("hop")}

        [profile other]
        source_profile = hop
        role_arn = {role("other")}
        mfa_serial = {OTHER_MFA}
        """
    )
    # `other` differs from the nearest serial below it (same's, two hops down); `same` matches `user`.
    assert summary(findings) == [(13, "warning", "other", "mfa-mismatch")]
    assert findings[0].key == "mfa_serial"
    assert OTHER_MFA in findings[0].message and "source profile same" in findings[0].message


def test_mfa_serial_mismatch_between_a_role_and_its_source_user() -> None:
    findings = check(
        f"""\
        [profile user]
        mfa_serial = {MFA}

        [profile role]
        source_profile = user
        role_arn = {role("role")}
        mfa_serial = {OTHER_MFA}
        """
    )
    assert summary(findings) == [(4, "warning", "role", "mfa-mismatch")]


def test_unknown_keys_get_a_did_you_mean() -> None:
    findings = check(
        """\
        [default]
        regoin = eu-west-1
        outptu = json

        [profile typo]
        source_proifle = default
        mfa_serail = x
        frobnicate = yes
        parent_profile = default

        [sso-session corp]
        sso_start_url = https://corp.awsapps.com/start
        sso_regon = us-east-1
        """
    )
    by_key = {f.key: f for f in findings}
    assert by_key["regoin"].message == "unknown key 'regoin'; did you mean region?"
    assert by_key["outptu"].message == "unknown key 'outptu'; did you mean output?"
    assert by_key["source_proifle"].message.endswith("did you mean source_profile?")
    assert by_key["mfa_serail"].message.endswith("did you mean mfa_serial?")
    assert by_key["frobnicate"].message == "unknown key 'frobnicate'"
    assert by_key["parent_profile"].code == "legacy-key"
    assert "include_profile" in by_key["parent_profile"].message
    assert by_key["sso_regon"].message.endswith("did you mean sso_region?")
    assert by_key["sso_regon"].profile == "sso-session corp"
    assert summary(findings) == [
        (1, "warning", "default", "unknown-key"),
        (1, "warning", "default", "unknown-key"),
        (5, "warning", "typo", "unknown-key"),
        (5, "warning", "typo", "unknown-key"),
        (5, "warning", "typo", "unknown-key"),
        (5, "warning", "typo", "legacy-key"),
        (11, "warning", "sso-session corp", "unknown-key"),
    ]


def test_keys_of_the_aws_cli_are_not_flagged() -> None:
    text = """\
    [profile cli]
    region = eu-west-1
    output = table
    cli_pager = less
    cli_binary_format = raw-in-base64-out
    services = my-services
    ca_bundle = /etc/ssl/ca.pem
    retry_mode = adaptive
    max_attempts = 5
    credential_source = Environment
    use_fips_endpoint = true
    aws_account_id = 123456789012
    sts_regional_endpoints = regional
    mfa_process = ykman oath accounts code --single aws
    """
    assert check(text) == []


def test_malformed_session_tags() -> None:
    findings = check(f"[profile tags]\nrole_arn = {role('tags')}\nsession_tags = team\n")
    assert summary(findings) == [(1, "error", "tags", "invalid-session-tags")]


def test_an_incomplete_sso_profile() -> None:
    findings = check(
        """\
        [profile sso]
        sso_session = nowhere
        sso_account_id = 123456789012
        sso_role_name = Admin
        """
    )
    assert summary(findings) == [(1, "error", "sso", "incomplete-sso")]
    assert findings[0].key == "sso_session"


def test_one_broken_profile_does_not_hide_the_others_and_findings_are_sorted() -> None:
    findings = check(
        f"""\
        [profile loop-a]
        source_profile = loop-b

        [profile loop-b]
        source_profile = loop-a
        regin = x

        [profile user]
        mfa_serial = {MFA}

        [profile r1]
        source_profile = user
        role_arn = {role("r1")}

        [profile r2]
        source_profile = r1
        role_arn = {role("r2")}
        duration_seconds = 50000

        [profile inc]
        include_profile = inc
        """
    )
    assert summary(findings) == [
        (1, "error", "loop-a", "source-loop"),
        (4, "warning", "loop-b", "unknown-key"),
        (15, "error", "r2", "duration-out-of-range"),
        (15, "warning", "r2", "role-chain-capped"),
        (20, "error", "inc", "include-loop"),
    ]
    assert findings[-1].message == "include_profile loop: inc -> inc"
    assert [(f.path, f.line) for f in findings] == sorted((f.path, f.line) for f in findings)


# --- property: check_config never raises -------------------------------------------------------

NAMES = ["default", "a", "b", "c", "d"]
KEYS = [
    "source_profile", "include_profile", "role_arn", "mfa_serial", "duration_seconds", "session_tags",
    "sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name", "credential_process",
    "web_identity_token_file", "region", "output", "rgion", "parent_profile", "s3",
]
VALUES = st.one_of(
    st.sampled_from([*NAMES, "ghost", ""]),
    st.sampled_from([role("x"), MFA, OTHER_MFA, "GAHT12345678", "arn:aws:iam::1:user/u", "k=v", "k", "https://x"]),
    st.integers(min_value=-100_000, max_value=100_000).map(str),
    st.sampled_from(["9" * 5000, "1e3", "3_600", " 3600", "+900", "١٢٣٤"]),
    st.text(max_size=12),
)


WEIGHTED_KEYS = [*KEYS, *["source_profile", "role_arn", "mfa_serial", "duration_seconds"] * 4]
# Mostly plausible values per key (so loops, chains and caps do happen), sometimes anything at all.
PLAUSIBLE = {
    "source_profile": st.sampled_from([*NAMES, "ghost"]),
    "include_profile": st.sampled_from([*NAMES, "ghost"]),
    "role_arn": st.sampled_from([role("x"), role("y")]),
    "mfa_serial": st.sampled_from([MFA, OTHER_MFA]),
    "duration_seconds": st.sampled_from(["900", "3600", "7200", "43200"]),
    "sso_session": st.sampled_from(["corp", "ghost"]),
}


@st.composite
def sections(draw: st.DrawFn, name: str, line: int, max_keys: int) -> Section:
    values: dict[str, str] = {}
    for key in draw(st.lists(st.sampled_from(WEIGHTED_KEYS), unique=True, max_size=max_keys)):
        plausible = PLAUSIBLE.get(key)
        values[key] = draw(plausible if plausible is not None and draw(st.booleans()) else VALUES)
    return Section(name, values, line=line)


@st.composite
def configs(draw: st.DrawFn) -> ConfigFile:
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=len(NAMES)))
    profiles = tuple(draw(sections(name, i * 10 + 1, 6)) for i, name in enumerate(names))
    session_names = draw(st.lists(st.sampled_from(["corp", "ghost"]), unique=True))
    sessions = tuple(draw(sections(name, 100 + i, 3)) for i, name in enumerate(session_names))
    return ConfigFile(PATH, profiles, sessions)


@settings(max_examples=300, deadline=None)
@given(configs())
def test_check_config_never_raises(config: ConfigFile) -> None:
    findings = check_config(config)
    lines = {s.line for s in (*config.profiles, *config.sso_sessions)} | {0}
    assert all(f.line in lines and f.path == PATH for f in findings)
    assert all(f.severity in ("error", "warning") and f.code and f.message for f in findings)
    assert [f.line for f in findings] == sorted(f.line for f in findings)
