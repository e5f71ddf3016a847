"""Restart the private PostgreSQL and Redis that scripts/services.sh started (same ports)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

PG_BIN = Path(os.environ.get("DOCQA_PG_BIN", "/usr/lib/postgresql/15/bin"))


def services_dir() -> Path:
    return Path(os.environ["DOCQA_SERVICES_DIR"])


def _as_postgres(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root (as services.sh does, use the postgres account).
    return ["runuser", "-u", "postgres", "--", *args] if os.getuid() == 0 else args


def restart_postgres(down_s: float = 2.0, *, while_down: Callable[[], None] | None = None) -> None:
    """Stop the cluster (fast: open connections are cut), wait, start it again.

    ``while_down`` runs once the server has stopped, instead of sleeping ``down_s``.
    """
    data = services_dir() / "pg"
    subprocess.run(
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
        check=True,
        capture_output=True,
    )
    if while_down is None:
        time.sleep(down_s)
    else:
        while_down()
    # postmaster.opts holds the options of the last start (port, socket folder, settings).
    options = (data / "postmaster.opts").read_text().split(" ", 1)[1].strip()
    subprocess.run(
        _as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(data / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                _pg_options(options),
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )


def _pg_options(opts: str) -> str:
    """The server options from postmaster.opts (quoted words after the binary, minus -D)."""
    words = [w.strip('"') for w in opts.split('" "')]
    out, skip = [], False
    for word in words:
        if skip:
            skip = False
            continue
        if word == "-D":
            skip = True
            continue
        out.append(word)
    return " ".join(out)


def restart_redis(down_s: float = 2.0, *, while_down: Callable[[], None] | None = None) -> None:
    """Stop Redis (its queued messages are lost: no persistence), wait, start it again.

    ``while_down`` runs once the server has exited, instead of sleeping ``down_s``.
    """
    folder = services_dir()
    pid = int((folder / "redis.pid").read_text())
    port = (folder / "redis.port").read_text().strip()
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    if while_down is None:
        time.sleep(down_s)
    else:
        while_down()
    subprocess.run(
        [
            "redis-server",
            "--port",
            port,
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "yes",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
            "--pidfile",
            str(folder / "redis.pid"),
            "--logfile",
            str(folder / "redis.log"),
        ],
        check=True,
    )
    for _ in range(100):
        ping = subprocess.run(["redis-cli", "-p", port, "ping"], capture_output=True, text=True)
        if ping.stdout.strip() == "PONG":
            return
        time.sleep(0.1)
    raise RuntimeError("redis did not come back")
