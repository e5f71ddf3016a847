"""`docqa keys ...` and `docqa serve` on the embedded default."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
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


def test_serve_with_nothing_configured(tmp_path: Path) -> None:
    """SQLite in the data folder, migrated at start, a key printed, API on 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env["DOCQA_DATA_DIR"] = str(tmp_path / "data")
    port = _free_port()
    log = (tmp_path / "serve.log").open("w+")
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
            assert proc.poll() is None, Path(log.name).read_text()
            assert time.monotonic() < deadline, Path(log.name).read_text()
            time.sleep(0.3)
        output = Path(log.name).read_text()
        assert (tmp_path / "data" / "docqa.sqlite3").is_file()
        line = next(x for x in output.splitlines() if "API key for tenant 'default'" in x)
        key = line.split(":", 1)[1].strip()
        r = httpx.get(f"{base}/v1/documents", headers={"Authorization": f"Bearer {key}"})
        assert (r.status_code, r.json()) == (200, {"data": [], "count": 0})
        ready = httpx.get(f"{base}/readyz").json()
        assert ready == {"status": "ok", "database": "ok", "broker": "in-process"}
        # The key is shown once, never logged.
        assert output.count(key) == 1
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
