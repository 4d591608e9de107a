"""The target profile: URLs, write guard, expectations."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from conformance.target import (
    Profile,
    ProfileError,
    check_timeout,
    check_url,
    check_uuid,
    is_loopback,
    load_profile,
    profile_from_dict,
)


def test_services_default_to_the_target_base_except_capabilities() -> None:
    profile = Profile(target="http://grid:8003", services={"xinventory": "http://inv:8003"})
    assert profile.service_url("asset") == "http://grid:8003"
    assert profile.service_url("xinventory") == "http://inv:8003"
    assert profile.service_url("ais") is None
    assert not profile.embedded
    assert Profile().embedded


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:8003", True), ("http://localhost:1", True), ("http://[::1]:8003", True),
    ("http://127.9.9.9", True), ("http://10.0.0.1:8003", False), ("http://grid.example", False),
])
def test_loopback_is_recognised(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_writes_to_a_remote_target_need_allow_writes() -> None:
    profile = Profile(target="http://grid.example:8003")
    assert "--allow-writes" in (profile.write_refusal() or "")
    profile.allow_writes = True
    assert profile.write_refusal() is None
    profile.read_only = True
    assert "read-only" in (profile.write_refusal() or "")
    assert Profile(target="http://127.0.0.1:8003").write_refusal() is None


def test_a_profile_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "grid.toml"
    path.write_text(
        'target = "http://grid.example:8003"\ntimeout = 3\nallow_writes = true\n'
        'principal = "A1B2C3D4-0000-0000-0000-000000000001"\n'
        '[credentials]\nusername = "robust"\npassword = "secret"\n'
        '[expectations.ASSET-FLAGS-COMMA]\noutcome = "fail"\nreason = "whitespace only"\n')
    profile = load_profile(path)
    assert profile.timeout == 3
    assert profile.principal == "a1b2c3d4-0000-0000-0000-000000000001"
    assert profile.username == "robust"
    assert profile.expectations["ASSET-FLAGS-COMMA"].reason == "whitespace only"


@pytest.mark.parametrize(("data", "message"), [
    ({"targte": "x"}, "unknown keys"),
    ({"services": {"assets": "x"}}, "unknown service"),
    ({"expectations": {"ASSET-GET-404": {"outcome": "pass", "reason": "r"}}}, "outcome"),
    ({"expectations": {"ASSET-GET-404": {"outcome": "fail"}}}, "reason"),
    ({"target": 5}, "target must be an http:// or https:// URL"),
    ({"target": "grid.example.org:8003"}, "did you mean http://grid.example.org:8003"),
    ({"target": "http://"}, "not an http:// or https:// URL"),
    ({"target": "http://grid:port"}, "no valid port"),
    ({"services": {"asset": "ftp://grid/"}}, "services.asset"),
    ({"services": "http://grid"}, "services must be a table"),
    ({"timeout": "ten"}, "timeout must be a number of seconds > 0"),
    ({"timeout": 0}, "timeout must be a number of seconds > 0"),
    ({"timeout": -5}, "timeout must be a number of seconds > 0"),
    ({"timeout": True}, "timeout must be a number"),
    ({"principal": "not-a-uuid"}, "principal must be a UUID"),
    ({"principal": 5}, "principal must be a UUID"),
    ({"read_only": "yes"}, "read_only must be true or false"),
    ({"allow_writes": 1}, "allow_writes must be true or false"),
    ({"credentials": {"username": 5}}, "credentials.username must be a string"),
    ({"credentials": {"user": "x"}}, "unknown key credentials.user"),
    ({"expectations": {"ASSET-GET-404": "fail"}}, "outcome"),
])
def test_a_wrong_profile_is_refused_with_a_reason(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        profile_from_dict(data)


def test_every_shipped_profile_loads() -> None:
    for path in (Path(__file__).parents[1] / "profiles").glob("*.toml"):
        load_profile(path)


def test_every_check_names_the_key_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "grid.toml"
    path.write_text('timeout = "ten"\n')
    with pytest.raises(ProfileError, match=rf"^{re.escape(str(path))}: timeout must be"):
        load_profile(path)
    path.write_bytes(b"\xff\xfe not text")
    with pytest.raises(ProfileError, match="target profile"):
        load_profile(path)
    with pytest.raises(ProfileError, match="target profile"):
        load_profile(tmp_path / "missing.toml")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8003", "https://grid.example.org/",
                                 "http://[::1]:8003/robust", "http://grid:8003/caps/abc?x=1"])
def test_good_urls_pass(url: str) -> None:
    assert check_url(url, "--target") == url


def test_numbers_and_uuids() -> None:
    assert check_timeout(3, "timeout") == 3.0 and check_timeout(0.5, "timeout") == 0.5
    assert check_uuid("A1B2C3D4-0000-0000-0000-000000000001", "principal") == (
        "a1b2c3d4-0000-0000-0000-000000000001")
    for bad in ("a1b2c3d40000000000000000000000000001", "{a1b2c3d4-0000-0000-0000-000000000001}"):
        with pytest.raises(ProfileError):
            check_uuid(bad, "principal")
