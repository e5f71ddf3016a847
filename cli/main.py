"""The `docqa` command line. Each sub-command lives in its own module."""

from __future__ import annotations

import typer

from cli import audit, bench, explain, ingest, service

app = typer.Typer(
    name="docqa",
    help="Evidence highlighting for document Q&A (AtMan).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("explain")(explain.explain)
app.command("ingest")(ingest.ingest)
app.add_typer(bench.app, name="bench")

# The service commands (serve, worker, keys, audit) are added here as they land.
app.command("serve")(service.serve)
app.command("worker")(service.worker)
app.command("migrate")(service.migrate)
app.add_typer(service.keys_app, name="keys")
app.command("audit")(audit.audit)

if __name__ == "__main__":  # pragma: no cover
    app()
