"""`docqa keys ...` and `docqa serve` on the embedded default."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from typer.testing import CliRunner

from backend.crud import tenants
from backend.db import session_scope
from cli.main import app as docqa_app


def test_keys_create_and_revoke(embedded: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(docqa_app, ["keys", "create", "--tenant", "acme"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("dq_") and len(token) > 40
    with session_scope() as session:
        tenant = tenants.tenant_for_token(session, token=token)
        assert tenant is not None and tenant.name == "acme"
    revoked = runner.invoke(docqa_app, ["keys", "revoke", token[:12]])
    assert revoked.exit_code == 0, revoked.output
    with session_scope() as session:
        assert tenants.tenant_for_token(session, token=token) is None
    again = runner.invoke(docqa_app, ["keys", "revoke", token[:12]])
    assert again.exit_code == 1
    assert "no active key" in again.output


def test_worker_refuses_to_start_without_a_broker(embedded: Path) -> None:
    result = CliRunner().invoke(docqa_app, ["worker"])
    assert result.exit_code == 2
    assert "CELERY_BROKER_URL" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serving(env: dict[str, str], log_path: Path) -> Iterator[tuple[str, str]]:
    """`docqa serve` in a child process; yields its base URL and its output once healthy."""
    port = _free_port()
    log = log_path.open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.3)
        yield base, log_path.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _embedded_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env["DOCQA_DATA_DIR"] = str(tmp_path / "data")
    return env


def test_serve_with_nothing_configured(tmp_path: Path) -> None:
    """SQLite in the data folder, migrated at start, a key printed, API on 127.0.0.1."""
    with _serving(_embedded_env(tmp_path), tmp_path / "serve.log") as (base, output):
        assert (tmp_path / "data" / "docqa.sqlite3").is_file()
        line = next(x for x in output.splitlines() if "API key for tenant 'default'" in x)
        key = line.split(":", 1)[1].strip()
        r = httpx.get(f"{base}/v1/documents", headers={"Authorization": f"Bearer {key}"})
        assert (r.status_code, r.json()) == (200, {"data": [], "count": 0})
        ready = httpx.get(f"{base}/readyz").json()
        assert ready == {"status": "ok", "database": "ok", "broker": "in-process"}
        # The key is shown once, never logged.
        assert output.count(key) == 1


def test_the_database_is_private_and_a_key_is_minted_only_on_the_first_start(
    tmp_path: Path,
) -> None:
    env = _embedded_env(tmp_path)
    data = tmp_path / "data"
    with _serving(env, tmp_path / "first.log") as (_, output):
        line = next(x for x in output.splitlines() if "API key for tenant 'default'" in x)
        key = line.split(":", 1)[1].strip()
    # Before: the folder and the file were readable by every local user (umask 022).
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for file in data.glob("docqa.sqlite3*"):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    revoked = subprocess.run(
        [sys.executable, "-m", "cli.main", "keys", "revoke", key[:12]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert revoked.returncode == 0, revoked.stderr
    # Before: a start with no active key minted and printed a new "default" key.
    with _serving(env, tmp_path / "second.log") as (base, output):
        assert "API key" not in output
        r = httpx.get(f"{base}/v1/documents", headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 401
