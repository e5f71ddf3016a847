"""A full disk under the uploads: each refused upload gets 507 Insufficient Storage with a JSON
detail (and Retry-After), nothing saved before is lost or damaged, and once space returns uploads
work again with no manual step.

Two real set-ups, each on a small tmpfs that the test fills with a filler file:
- PostgreSQL: a private database whose ``document_files`` table (the uploaded bytes) lives in a
  TABLESPACE on the tmpfs; PostgreSQL answers SQLSTATE 53100 disk_full.
- Embedded: DOCQA_DATA_DIR (the SQLite file) on the tmpfs; SQLite answers SQLITE_FULL.
Tasks run on the in-process runner in both, so ingestion reads from the same database.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from backend_factories import auth, make_key, upload, wait_until_final
from fastapi.testclient import TestClient
from small_disk import fill, free, small_disk
from sqlalchemy import select

from backend import migrate, queue
from backend.api.errors import STORAGE_FULL
from backend.db import engine_for, normalise_url, session_scope
from backend.main import create_app
from backend.models import Document, DocumentFile
from core.settings import get_settings

pytestmark = pytest.mark.slow


def _document(n: int, kib: int = 96) -> bytes:
    """A text document of about ``kib`` KiB that does not compress away (random words)."""
    words = base64.b32encode(os.urandom(kib * 600)).decode().lower()
    lines = [words[i : i + 70] for i in range(0, kib * 1024, 70)]
    paragraphs = ["\n".join(lines[i : i + 20]) for i in range(0, len(lines), 20)]
    return (f"DOCUMENT {n}\n\n" + "\n\n".join(paragraphs) + "\n").encode()


def _stored() -> dict[str, str]:
    """Document id -> sha256 of the bytes actually stored, read back from the database."""
    with session_scope() as session:
        rows = session.execute(select(Document.id, DocumentFile.data).join(DocumentFile))
        return {str(i): hashlib.sha256(data).hexdigest() for i, data in rows}


def _exercise(client: TestClient, disk: Path) -> None:
    """The scenario, the same on both databases."""
    key = make_key()
    saved: dict[str, str] = {}
    for n in range(3):
        data = _document(n)
        r = upload(client, key, data, f"doc-{n}.txt")
        assert r.status_code == 202, r.text
        saved[r.json()["id"]] = hashlib.sha256(data).hexdigest()
    for doc_id in saved:
        assert wait_until_final(client, key, f"/v1/documents/{doc_id}")["status"] == "done"

    assert fill(disk) > 0
    refused = [_document(10 + n) for n in range(3)]
    for n, data in enumerate(refused):
        r = upload(client, key, data, f"late-{n}.txt")
        assert r.status_code == 507, (r.status_code, r.text)
        assert r.json() == {"detail": STORAGE_FULL}
        assert int(r.headers["retry-after"]) > 0
    # While the disk is full: reads still work, and what was saved is there, whole.
    listed = client.get("/v1/documents", headers=auth(key)).json()
    assert sorted(d["id"] for d in listed["data"]) == sorted(saved)
    assert _stored() == saved

    free(disk)  # space returns; no restart, no manual step
    for n, data in enumerate(refused):
        r = upload(client, key, data, f"late-{n}.txt")
        assert r.status_code == 202, r.text  # 202, not 200: the refused upload left nothing
        saved[r.json()["id"]] = hashlib.sha256(data).hexdigest()
    for doc_id in saved:
        assert wait_until_final(client, key, f"/v1/documents/{doc_id}")["status"] == "done"
    assert _stored() == saved


@contextmanager
def _client() -> Iterator[TestClient]:
    """The app on the current settings; its connections closed afterwards (so the database
    can be dropped and the file system unmounted)."""
    try:
        with TestClient(create_app()) as client:
            yield client
    finally:
        queue.reset_embedded_runner()
        engine_for(normalise_url(get_settings().resolved_database_url)).dispose()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Environment changes undone, and the settings read again, when the test ends."""
    with monkeypatch.context() as mp:
        yield mp
    get_settings.cache_clear()


def test_postgresql_disk_full_refuses_uploads_and_recovers(
    services: None, tmp_path: Path, env: pytest.MonkeyPatch
) -> None:
    admin_url = normalise_url(os.environ["DATABASE_URL"]).replace(
        "postgresql+psycopg", "postgresql"
    )
    name = f"docqa_disk_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        with small_disk(16, owner="postgres") as disk:
            admin.execute(f"CREATE TABLESPACE {name} LOCATION '{disk}'")
            admin.execute(f"CREATE DATABASE {name}")
            try:
                env.setenv("DATABASE_URL", admin_url.rsplit("/", 1)[0] + f"/{name}")
                env.delenv("CELERY_BROKER_URL")  # tasks on the in-process runner
                env.setenv("DOCQA_DATA_DIR", str(tmp_path / "data"))
                get_settings.cache_clear()
                migrate.upgrade()
                with engine_for(normalise_url(os.environ["DATABASE_URL"])).begin() as conn:
                    conn.exec_driver_sql(f"ALTER TABLE document_files SET TABLESPACE {name}")
                with _client() as client:
                    _exercise(client, disk)
            finally:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.execute(f"DROP TABLESPACE IF EXISTS {name}")


def test_embedded_sqlite_disk_full_refuses_uploads_and_recovers(env: pytest.MonkeyPatch) -> None:
    with small_disk(8) as disk:
        env.setenv("DOCQA_DATA_DIR", str(disk))
        for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
            env.delenv(name, raising=False)
        get_settings.cache_clear()
        assert get_settings().embedded
        migrate.upgrade()
        with _client() as client:
            _exercise(client, disk)
