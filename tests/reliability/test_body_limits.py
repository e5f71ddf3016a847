"""Bodies before keys (issue 12, item 1), as an attacker sends them: large bodies, declared
or chunked, to a real uvicorn serving the app. Asserted on what the app pulled through its
ASGI ``receive`` (counted by a wrapper outside every layer), never on timings."""

from __future__ import annotations

import json
import select
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from backend_factories import SHORT_CONTRACT, auth, make_key
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.main import create_app
from core.settings import get_settings

MIB = 1024 * 1024
BLOCK = b"x" * (64 * 1024)
# uvicorn hands the app what has arrived in one message, which may be more than one block.
ONE_MESSAGE = MIB


class ReceiveCounter:
    """Counts the request-body bytes the app has read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.body_bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counting() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.body_bytes += len(message.get("body", b""))
            return message

        await self.app(scope, counting, send)


@dataclass
class Server:
    port: int
    counter: ReceiveCounter


@pytest.fixture
def server(embedded: Path) -> Iterator[Server]:
    counter = ReceiveCounter(create_app())
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(counter, log_config=None, access_log=False, lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(600):  # started within 60 s (it is a thread of this process)
        if uv.started:
            break
        thread.join(0.1)
    assert uv.started
    yield Server(sock.getsockname()[1], counter)
    uv.should_exit = True
    thread.join(30)
    sock.close()


def send_streaming(
    port: int, path: str, headers: dict[str, str], total: int, *, chunked: bool
) -> tuple[int, dict]:
    """Send headers, then up to ``total`` body bytes as fast as the server takes them, and
    stop as soon as it answers; returns the status and the JSON body of that answer."""
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
    conn = socket.create_connection(("127.0.0.1", port))
    conn.setblocking(False)
    answer = b""
    pending = ("\r\n".join(head) + "\r\n\r\n").encode()
    sent = 0
    try:
        while True:
            readable, writable, _ = select.select([conn], [conn] if sent < total else [], [], 60)
            assert readable or writable, "the server neither answered nor read for 60 s"
            if readable:
                data = conn.recv(65536)
                answer += data
                if not data or (b"\r\n\r\n" in answer and _complete(answer)):
                    break
                continue
            if not pending:
                block = BLOCK[: total - sent]
                pending = b"%x\r\n%s\r\n" % (len(block), block) if chunked else block
                sent += len(block)
            try:
                pending = pending[conn.send(pending) :]
            except (BrokenPipeError, ConnectionResetError):
                pending = b""
                sent = total  # the server closed: read what it answered
    finally:
        conn.close()
    status_line, _, rest = answer.partition(b"\r\n")
    body = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), json.loads(body)


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def test_an_upload_without_a_key_is_refused_unread(server: Server) -> None:
    # Before: the whole 200 MiB was spooled to the temp folder, then 401.
    status, body = send_streaming(
        server.port,
        "/v1/documents",
        {"Content-Type": "multipart/form-data; boundary=b"},
        200 * MIB,
        chunked=False,
    )
    assert status == 401 and "API key" in body["detail"]
    assert server.counter.body_bytes == 0


def test_a_chunked_question_with_a_wrong_key_is_refused_unread(server: Server) -> None:
    # Before: a 100 MiB chunked JSON body was read into memory, then 401.
    status, body = send_streaming(
        server.port,
        f"/v1/documents/{uuid.uuid4()}/questions",
        {"Content-Type": "application/json", "Authorization": "Bearer dq_not-a-key"},
        100 * MIB,
        chunked=True,
    )
    assert status == 401 and body["detail"] == "invalid or revoked API key"
    assert server.counter.body_bytes == 0


def test_a_chunked_audit_is_cut_at_its_limit(server: Server) -> None:
    # Before: the audit route only checked a declared Content-Length; chunked passed.
    limit = get_settings().max_audit_mb * MIB + 64 * 1024
    status, body = send_streaming(
        server.port,
        "/v1/audits",
        {"Content-Type": "application/json", **auth(make_key())},
        20 * MIB,
        chunked=True,
    )
    assert status == 413 and "audit may be at most 2 MiB" in body["detail"]
    assert limit < server.counter.body_bytes <= limit + ONE_MESSAGE


def test_a_chunked_question_is_cut_at_the_small_json_limit(server: Server) -> None:
    limit = get_settings().max_body_kb * 1024
    status, body = send_streaming(
        server.port,
        f"/v1/documents/{uuid.uuid4()}/questions",
        {"Content-Type": "application/json", **auth(make_key())},
        10 * MIB,
        chunked=True,
    )
    assert status == 413 and body["detail"] == "request body too large: the limit is 64 KiB"
    assert server.counter.body_bytes <= limit + ONE_MESSAGE


def test_a_declared_oversize_upload_is_refused_unread(
    embedded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCQA_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    key = make_key()
    counter = ReceiveCounter(create_app())
    with TestClient(counter) as client:
        r = client.post(
            "/v1/documents",
            files={"file": ("big.txt", b"a" * (2 * MIB))},
            headers=auth(key),
        )
        assert r.status_code == 413 and r.json()["detail"] == "file too large: the limit is 1 MiB"
        assert counter.body_bytes == 0
        # Under the limit, the same route still works.
        ok = client.post(
            "/v1/documents", files={"file": ("c.txt", SHORT_CONTRACT.encode())}, headers=auth(key)
        )
        assert ok.status_code == 202


def test_deeply_nested_audit_json_is_a_400(client: TestClient) -> None:
    body = b"[" * 200_000 + b"]" * 200_000  # under the 2 MiB limit, far past json's depth
    r = client.post(
        "/v1/audits",
        content=body,
        headers={"Content-Type": "application/json", **auth(make_key())},
    )
    assert r.status_code == 400 and "nested too deeply" in r.json()["detail"]
