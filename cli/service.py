"""`docqa serve`, `docqa worker`, `docqa migrate` and `docqa keys ...`: running the service."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from backend import migrate as migrations
from backend.celery_app import configured
from backend.crud import tenants
from backend.db import session_scope
from backend.jobs.registry import QUEUES
from backend.logs import setup_logging
from core.settings import get_settings

console = Console(stderr=True)
keys_app = typer.Typer(help="Create and revoke API keys.", no_args_is_help=True)


def _setup_logging() -> None:
    settings = get_settings()
    setup_logging(settings.log_level, json_logs=settings.log_json)


def _prepare_embedded() -> None:
    """The embedded default keeps everything in the data folder, migrated on every start."""
    if get_settings().database_url is None:
        migrations.upgrade()  # creates the data folder (0700) and the database file (0600)


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000)")] = None,
    migrate_db: Annotated[
        bool | None,
        typer.Option(
            "--migrate/--no-migrate",
            help="Run `alembic upgrade head` first (default: only for the embedded SQLite)",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API and the web page.

    With nothing configured: SQLite under DOCQA_DATA_DIR, tasks run in this process, and an
    API key is created and printed on first start. With DATABASE_URL and CELERY_BROKER_URL:
    PostgreSQL and Redis, with `docqa worker` processes doing the work.
    """
    settings = get_settings()
    _setup_logging()
    if migrate_db or (migrate_db is None and settings.database_url is None):
        migrations.wait_for_database()
        migrations.upgrade()
    if settings.embedded:
        with session_scope() as session:
            # Only on the very first start: once every key is revoked, a restart mints none
            # (that would hand a fresh key to whoever reads the log); `docqa keys create`.
            if not tenants.any_key_ever(session):
                tenant = tenants.get_or_create_tenant(session, name="default")
                token = tenants.create_api_key(session, tenant=tenant, name="first start")
                console.print(
                    f"[bold]API key for tenant 'default':[/bold] {token}\n"
                    "Keep it: it is stored only as a hash. More keys: "
                    "docqa keys create --tenant NAME",
                    soft_wrap=True,
                )
    host = host or settings.host
    port = port or settings.port
    mode = "embedded (SQLite, in-process tasks)" if settings.embedded else "PostgreSQL + Celery"
    console.print(f"docqa serving on http://{host}:{port} ({mode})")
    uvicorn.run("backend.main:app", host=host, port=port, log_config=None, access_log=False)


def worker(
    concurrency: Annotated[int, typer.Option(help="Worker processes (one model each)")] = 1,
    queues: Annotated[str | None, typer.Option(help="Comma-separated queues (default all)")] = None,
    hostname: Annotated[str | None, typer.Option(help="Celery node name, e.g. gpu1@%h")] = None,
    pool: Annotated[str, typer.Option(help="Celery pool: prefork, solo, threads")] = "prefork",
) -> None:
    """Run a Celery worker for ingestion and explanation (needs CELERY_BROKER_URL)."""
    settings = get_settings()
    if settings.embedded:
        console.print(
            "[red]docqa worker needs CELERY_BROKER_URL (and DATABASE_URL); without them "
            "`docqa serve` runs the tasks itself.[/red]"
        )
        raise typer.Exit(2)
    argv = [
        "worker",
        f"--concurrency={concurrency}",
        f"--queues={queues or ','.join(QUEUES)}",
        f"--loglevel={settings.log_level}",
        f"--pool={pool}",
    ]
    if hostname:
        argv.append(f"--hostname={hostname}")
    configured().worker_main(argv)


def migrate(
    wait: Annotated[float, typer.Option(help="Seconds to wait for the database")] = 60.0,
) -> None:
    """Wait for the database, then `alembic upgrade head`."""
    _setup_logging()
    migrations.wait_for_database(timeout_s=wait)
    migrations.upgrade()
    console.print("database at the latest revision")


@keys_app.command("create")
def create_key(
    tenant: Annotated[str, typer.Option(help="Tenant name (created if new)")],
    name: Annotated[str | None, typer.Option(help="A label for the key")] = None,
) -> None:
    """Create an API key for TENANT and print it (it is stored only as a hash)."""
    if not tenant.strip():
        raise typer.BadParameter("tenant must not be blank", param_hint="--tenant")
    _prepare_embedded()
    with session_scope() as session:
        row = tenants.get_or_create_tenant(session, name=tenant.strip())
        token = tenants.create_api_key(session, tenant=row, name=name)
    typer.echo(token)


@keys_app.command("revoke")
def revoke_key(
    key: Annotated[str, typer.Argument(help="The key, or its first 12 characters")],
) -> None:
    """Revoke an API key; requests with it get 401 from then on."""
    _prepare_embedded()
    with session_scope() as session:
        revoked = tenants.revoke_api_key(session, prefix=key.strip())
    if not revoked:
        console.print("[red]no active key with that prefix[/red]")
        raise typer.Exit(1)
    console.print("key revoked")


# Runnable on its own too (`python -m cli.service ...`), e.g. while other commands break.
service_app = typer.Typer(no_args_is_help=True, add_completion=False)
service_app.command("serve")(serve)
service_app.command("worker")(worker)
service_app.command("migrate")(migrate)
service_app.add_typer(keys_app, name="keys")

if __name__ == "__main__":  # pragma: no cover
    service_app()
