"""TLS: the suite against the reference server over https with a certificate authority
made for the test (trustme): trusted through --ca-bundle, the profile's ca_bundle or
REQUESTS_CA_BUNDLE; --insecure said out loud; and one-line causes for an untrusted
certificate, plain HTTP on an https:// URL and a host name that does not resolve."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
import uvicorn

from conformance.clients import http as client
from conformance.plugin.probes import preflight
from conformance.reference.app import create_app
from conformance.reference.process import listening_socket
from conformance.reference.server import ServerThread
from conformance.resources import schema_violations
from conformance.target import Profile, ProfileError, profile_from_dict

#: A few requirements of each service, sent over TLS (the viewer's through the login).
OVER_TLS = ("ASSET-GET-404", "ASSET-POST-RETURNS-ID", "ASSET-GET-200", "XINV-GETITEM-UNKNOWN",
            "CAPS-SEED-FOUR", "CAPS-FID-DESCENDENTS", "AIS-CATEGORY-GET")


@pytest.fixture(autouse=True)
def fresh_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from the default (certifi) and no CA from the environment."""
    monkeypatch.setattr(client, "_TLS", [True])
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A certificate authority of the test (its PEM file) and a server certificate
    for 127.0.0.1 it issued (key and chain in one PEM file)."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    ca_file, server_file = folder / "ca.pem", folder / "server.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    ca.issue_cert("127.0.0.1", "localhost").private_key_and_cert_chain_pem.write_to_path(
        str(server_file))
    return ca_file, server_file


@pytest.fixture(scope="module")
def https_url(authority: tuple[Path, Path],
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The reference server over TLS (uvicorn with the test CA's certificate)."""
    _, server_file = authority
    database = tmp_path_factory.mktemp("grid") / "reference.sqlite"
    sock = listening_socket("127.0.0.1", 0)
    config = uvicorn.Config(create_app(database), log_level="warning", access_log=False,
                            lifespan="off", ssl_keyfile=str(server_file),
                            ssl_certfile=str(server_file))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    host, port = sock.getsockname()[:2]
    try:
        yield f"https://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def run_over_tls(pytester: pytest.Pytester, tmp_path: Path, url: str,
                 *extra: str) -> tuple[int, dict[str, object], list[str]]:
    results = tmp_path / "results.json"
    args = ["--pyargs", "conformance.suites", "-p", "no:cacheprovider", "--target", url,
            "--login-uri", url,
            "--results-json", str(results), "--ledger", str(tmp_path / "ledger.jsonl"),
            "--hypothesis-profile", "fault-injection", "--preflight", *extra]
    for rid in OVER_TLS:
        args += ["--requirement", rid]
    outcome = pytester.runpytest_inprocess(*args)
    data = json.loads(results.read_text("utf-8")) if results.exists() else {}
    return int(outcome.ret), data, outcome.outlines + outcome.errlines


def test_the_suite_passes_over_tls_with_the_grids_ca_bundle(
        pytester: pytest.Pytester, tmp_path: Path, https_url: str,
        authority: tuple[Path, Path]) -> None:
    ca_file, _ = authority
    code, data, lines = run_over_tls(pytester, tmp_path, https_url, "--ca-bundle", str(ca_file))
    assert code == 0, "\n".join(lines[-40:])
    requirements = data["requirements"]
    assert isinstance(requirements, dict)
    assert {rid: entry["outcome"] for rid, entry in requirements.items()} == dict.fromkeys(
        OVER_TLS, "passed")
    assert data["target"]["tls"] == {"verify": True, "ca_bundle": str(ca_file)}  # type: ignore[index]
    assert schema_violations("results", data) == []
    assert f"opensim-conformance TLS: certificates verified with {ca_file}" in lines


def test_insecure_is_loud_in_the_header_and_the_results(
        pytester: pytest.Pytester, tmp_path: Path, https_url: str) -> None:
    code, data, lines = run_over_tls(pytester, tmp_path, https_url, "--insecure")
    assert code == 0, "\n".join(lines[-40:])
    assert "opensim-conformance TLS: CERTIFICATES NOT VERIFIED (--insecure)" in lines
    assert data["target"]["tls"] == {"verify": False, "ca_bundle": None}  # type: ignore[index]


def test_an_untrusted_certificate_is_one_line_with_the_way_out(
        pytester: pytest.Pytester, tmp_path: Path, https_url: str) -> None:
    outcome = pytester.runpytest_subprocess("--pyargs", "conformance.suites.asset",
                                            "-p", "no:cacheprovider", "--preflight",
                                            "--target", https_url)
    code, lines = int(outcome.ret), outcome.outlines + outcome.errlines
    assert code == 2
    told = [line for line in lines if "TLS handshake failed" in line]
    assert told and all("certificate is not trusted" in line and "--ca-bundle" in line
                        for line in told), lines
    assert not any("_DeadlineS" in line or "Max retries" in line for line in lines)
    assert ("opensim-conformance: no test was run: no TLS connection could be made (exit 2)"
            in lines)


def test_the_environments_ca_bundle_is_honoured(
        monkeypatch: pytest.MonkeyPatch, https_url: str, authority: tuple[Path, Path]) -> None:
    ca_file, _ = authority
    for variable in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(variable, str(ca_file))
        profile = Profile(target=https_url)
        assert profile.tls_verify() == str(ca_file)
        client.use_tls(profile.tls_verify())
        assert preflight(profile) == []
        monkeypatch.delenv(variable)


def test_the_profile_keys(tmp_path: Path, authority: tuple[Path, Path]) -> None:
    ca_file, _ = authority
    profile = profile_from_dict({"ca_bundle": str(ca_file), "insecure": False})
    assert profile.tls_verify() == str(ca_file)
    assert profile_from_dict({"insecure": True}).tls_verify() is False
    (tmp_path / "not.pem").write_text("hello")
    for wrong, says in (({"ca_bundle": str(tmp_path / "none.pem")}, "no such file"),
                        ({"ca_bundle": str(tmp_path / "not.pem")}, "not a PEM file"),
                        ({"insecure": "yes"}, "true or false")):
        with pytest.raises(ProfileError, match=says):
            profile_from_dict(wrong)


def test_plain_http_on_an_https_url_and_an_unknown_host_are_one_line(tmp_path: Path) -> None:
    with ServerThread(create_app(tmp_path / "grid.sqlite")) as server:
        https = server.url.replace("http://", "https://")
        lines = preflight(Profile(target=https, timeout=2))
    assert lines == [f"{service} {https}: TLS handshake failed: the port answers plain HTTP, "
                     f"not TLS (use http:// for this URL)" for service in ("asset", "xinventory")]
    unknown = "http://no-such-host.invalid:8003"
    lines = preflight(Profile(target=unknown, timeout=2))
    assert len(lines) == 2 and all(
        "the host name 'no-such-host.invalid' does not resolve (DNS: " in line
        for line in lines), lines
