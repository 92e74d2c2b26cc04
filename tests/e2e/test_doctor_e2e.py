"""``ocpi-cpo doctor`` against real processes (issue 22 item 4): a running ``serve`` and a simulated
hub registered with the Gireve profile (all ok), the hub stopped (its check fails, exit 1), an
unmigrated database, a TLS ``public_url`` with a certificate made for the test (days to expiry),
and an open-file limit too low for the stations configured."""

from __future__ import annotations

import datetime as dt
import resource
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import pytest
import trustme
from cryptography import x509

from tests.support.processes import ROOT, cli, free_port, running, wait_http, write_config

pytestmark = pytest.mark.e2e


def _doctor(config: Path, env: dict[str, str] | None = None) -> tuple[int, list[dict[str, Any]]]:
    done = cli("doctor", "--json", config=config, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    checks: list[dict[str, Any]] = orjson.loads(done.stdout)
    return done.returncode, checks


def _by_name(checks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in checks}


def test_doctor_with_serve_and_hub_then_hub_down(tmp_path: Path) -> None:
    cpo_port, hub_port = free_port(), free_port()
    cpo, hub = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}"
    config = write_config(
        tmp_path / "c.toml",
        port=cpo_port,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite",
    )
    with running(
        ["--config", str(config), "serve"],
        ready_url=f"{cpo}/ocpi/versions",
        log=tmp_path / "cpo.log",
    ):
        with running(
            ["sim", "hub", "--port", str(hub_port), "--quiet"],
            ready_url=f"{hub}/_sim/state",
            log=tmp_path / "hub.log",
        ):
            invited = cli(
                "partners", "invite", "gireve", "--profile", "gireve-preprod", "--json",
                config=config,
            )  # fmt: skip
            assert invited.returncode == 0, invited.stderr
            request = urllib.request.Request(
                f"{hub}/_sim/register", data=invited.stdout.encode(), method="POST"
            )
            request.add_header("Content-Type", "application/json")
            with urllib.request.urlopen(request, timeout=30) as response:
                assert orjson.loads(response.read())["ok"]

            code, checks = _doctor(config)
            assert code == 0, checks
            assert [c for c in checks if c["status"] != "ok"] == []
            found = _by_name(checks)
            assert {
                "settings",
                "database",
                "database schema",
                "database write",
                "public_url",
                "versions endpoint",
                "partner gireve",
                "partner gireve queue",
                "clock",
                "stations",
                "open files",
            } <= set(found)
            assert "OCPI 2.2.1 agreed and offered" in found["partner gireve"]["reason"]
            assert "0 dead letters" in found["partner gireve queue"]["reason"]
            assert "allow_insecure_http" in found["public_url"]["reason"]
            assert "gireve's Date header" in found["clock"]["reason"]
            # the text form: one line per check, the same statuses
            text = cli("doctor", config=config)
            assert text.returncode == 0
            lines = text.stdout.splitlines()
            assert len(lines) == len(checks) + 1
            assert all(line.startswith("ok    ") for line in lines[:-1])
            assert lines[-1] == f"{len(checks)} ok, 0 warnings, 0 failures"
        # the hub is gone: its check fails, nothing else changes, exit 1
        code, checks = _doctor(config)
        assert code == 1
        failed = {c["check"]: c["reason"] for c in checks if c["status"] == "fail"}
        assert list(failed) == ["partner gireve"]
        assert "versions URL not reachable" in failed["partner gireve"]
        assert f"127.0.0.1:{hub_port}" in failed["partner gireve"]
        text = cli("doctor", config=config)
        assert text.returncode == 1
        assert any(line.startswith("fail  partner gireve:") for line in text.stdout.splitlines())


def test_doctor_unmigrated_database(tmp_path: Path) -> None:
    database = tmp_path / "empty.sqlite"
    sqlite3.connect(database).close()  # a database without our schema
    config = write_config(
        tmp_path / "c.toml", port=free_port(), database_url=f"sqlite+aiosqlite:///{database}"
    )
    code, checks = _doctor(config)
    assert code == 1
    found = _by_name(checks)
    assert found["database"]["status"] == "ok"
    assert found["database schema"]["status"] == "fail"
    assert "nothing (empty database)" in found["database schema"]["reason"]
    assert "ocpi-cpo db upgrade" in found["database schema"]["reason"]
    assert found["partners"]["status"] == "warn"  # not checked without a schema
    assert "database write" not in found
    # doctor changed nothing: the database is still empty
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    # after the upgrade the database checks pass
    assert cli("db", "upgrade", config=config).returncode == 0
    _code, after = _doctor(config)
    assert {c["check"]: c["status"] for c in after}["database write"] == "ok"


def test_doctor_tls_public_url_days_to_expiry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = trustme.CA()
    not_after = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=400)
    server = ca.issue_cert("127.0.0.1", not_after=not_after)
    ca_file, cert_file, key_file = tmp_path / "ca.pem", tmp_path / "s.pem", tmp_path / "s.key"
    ca.cert_pem.write_to_path(str(ca_file))
    server.cert_chain_pems[0].write_to_path(str(cert_file))
    server.private_key_pem.write_to_path(str(key_file))
    expires = x509.load_pem_x509_certificate(cert_file.read_bytes()).not_valid_after_utc

    port = free_port()
    config = write_config(
        tmp_path / "c.toml", port=port, database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )
    config.write_text(
        config.read_text().replace(
            f'public_url = "http://127.0.0.1:{port}"', f'public_url = "https://127.0.0.1:{port}"'
        )
        + f'\n[tls]\ncert_file = "{cert_file}"\nkey_file = "{key_file}"\n'
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # this test and the doctor trust the CA
    with running(
        ["--config", str(config), "serve"],
        ready_url=f"https://127.0.0.1:{port}/ocpi/versions",
        log=tmp_path / "serve.log",
    ):
        code, checks = _doctor(config)
        found = _by_name(checks)
        assert code == 0, checks
        assert found["public_url"]["status"] == "ok"
        certificate = found["certificate"]
        assert certificate["status"] == "ok"
        assert f"valid until {expires:%Y-%m-%d}" in certificate["reason"]
        assert " days to expiry" in certificate["reason"]
        assert found["versions endpoint"]["status"] == "ok"
        # a client that does not trust the CA: the certificate check fails and says why
        other = trustme.CA()
        other_file = tmp_path / "other-ca.pem"
        other.cert_pem.write_to_path(str(other_file))
        code, checks = _doctor(config, env={"SSL_CERT_FILE": str(other_file)})
        assert code == 1
        found = _by_name(checks)
        assert found["certificate"]["status"] == "fail"
        assert "not valid" in found["certificate"]["reason"]


def test_doctor_open_file_limit_too_low(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "c.toml",
        port=free_port(),
        database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite",
    )
    assert cli("db", "upgrade", config=config).returncode == 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low = min(128, hard if hard != resource.RLIM_INFINITY else 128)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard))

    done = subprocess.run(
        [sys.executable, "-m", "ocpi_cpo", "--config", str(config), "doctor", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
        preexec_fn=limit,
    )
    assert done.returncode == 1, done.stderr
    found = _by_name(orjson.loads(done.stdout))
    assert found["open files"]["status"] == "fail"
    assert f"open-file limit {low}," in found["open files"]["reason"]
    assert "LimitNOFILE" in found["open files"]["reason"]
    assert soft >= low  # the limit was lowered for the doctor only


def test_serve_warns_at_start_up_when_the_open_file_limit_is_too_low(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(
        tmp_path / "c.toml", port=port, database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low = min(200, hard if hard != resource.RLIM_INFINITY else 200)  # below 256 + 0 stations

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard))

    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "ocpi_cpo", "--config", str(config), "serve"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            preexec_fn=limit,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/ocpi/versions", server, log)
    finally:
        server.terminate()
        server.wait(timeout=15)
    warnings = [
        orjson.loads(line)
        for line in log.read_text().splitlines()
        if line.startswith("{") and "open-file limit" in line
    ]
    assert [w["level"] for w in warnings] == ["WARNING"]
    assert f"open-file limit {low}, about 256 needed for 0 stations" in warnings[0]["message"]
    assert "LimitNOFILE" in warnings[0]["message"]
