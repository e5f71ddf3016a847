"""docker/ cannot run here; check it against the code instead: every command exists, every
variable is a setting, every package is copied, and CI starts the same commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app as docqa_app
from core.settings import Settings

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker" / "compose.yaml").read_text())
DOCKERFILE = (REPO / "docker" / "Dockerfile").read_text()


def _docqa_commands() -> list[list[str]]:
    return [
        svc["command"]
        for svc in COMPOSE["services"].values()
        if isinstance(svc.get("command"), list) and svc["command"][0] == "docqa"
    ]


def test_compose_runs_migrate_api_and_workers() -> None:
    services = COMPOSE["services"]
    assert {"postgres", "redis", "migrate", "api", "worker"} <= set(services)
    assert services["migrate"]["command"] == ["docqa", "migrate"]
    for name in ("api", "worker"):
        deps = services[name]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("command", _docqa_commands(), ids=lambda c: " ".join(c[1:3]))
def test_compose_commands_parse(command: list[str]) -> None:
    # --help after the options: typer parses every option given before it, or fails.
    result = CliRunner().invoke(docqa_app, [*command[1:], "--help"])
    assert result.exit_code == 0, result.output


def test_compose_variables_are_settings() -> None:
    fields = {f"DOCQA_{name.upper()}" for name in Settings.model_fields}
    aliases = {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
    for name, svc in COMPOSE["services"].items():
        if name in ("postgres", "redis"):
            continue
        for var in svc.get("environment", {}):
            assert var in fields | aliases, f"{name}: {var} is not a docqa setting"
    for var in re.findall(r"\b(DOCQA_[A-Z_]+)=", DOCKERFILE):
        assert var in fields, var


def test_dockerfile_copies_every_package_and_the_migrations() -> None:
    pyproject = (REPO / "pyproject.toml").read_text()
    include = re.search(r"include = \[([^\]]*)\]", pyproject).group(1)
    packages = [p.strip(' "*') for p in include.split(",") if p.strip()]
    for path in [*packages, "migrations", "alembic.ini", "pyproject.toml"]:
        assert re.search(rf"^COPY (.* )?{re.escape(path)} ", DOCKERFILE, re.M), path
        assert (REPO / path).exists(), path


def test_ci_starts_the_compose_commands() -> None:
    services_sh = (REPO / "scripts" / "services.sh").read_text()
    assert "$_docqa_cli migrate" in services_sh
    worker = " ".join(COMPOSE["services"]["worker"]["command"][1:])
    assert f"$_docqa_cli {worker}" in services_sh.replace("setsid ", "")


def test_compose_refuses_to_start_without_a_postgres_password() -> None:
    # Before: ${POSTGRES_PASSWORD:-docqa}, a known password on every default deployment.
    text = (REPO / "docker" / "compose.yaml").read_text()
    uses = re.findall(r"\$\{POSTGRES_PASSWORD([^}]*)\}", text)
    assert len(uses) == 2 and all(u.startswith(":?") for u in uses), uses
    assert COMPOSE["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )
