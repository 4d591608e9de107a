"""The target profile: URLs, write guard, expectations."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.target import Profile, ProfileError, is_loopback, load_profile, profile_from_dict


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
])
def test_a_wrong_profile_is_refused_with_a_reason(data: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ProfileError, match=message):
        profile_from_dict(data)


def test_every_shipped_profile_loads() -> None:
    for path in (Path(__file__).parents[1] / "profiles").glob("*.toml"):
        load_profile(path)
