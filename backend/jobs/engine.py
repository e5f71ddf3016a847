"""The explainer, loaded once per process (worker process or embedded server)."""

from __future__ import annotations

import logging
import threading
import time

from core.pipeline import explainer_from_settings
from core.settings import get_settings
from explain_engine import Explainer

log = logging.getLogger(__name__)

_lock = threading.Lock()
_explainer: Explainer | None = None


def get_explainer() -> tuple[Explainer, float]:
    """The process's explainer and the seconds spent loading it in this call (0 if cached)."""
    global _explainer
    with _lock:
        if _explainer is not None:
            return _explainer, 0.0
        t0 = time.perf_counter()
        settings = get_settings()
        _explainer = explainer_from_settings()
        seconds = time.perf_counter() - t0
        log.info("model loaded", extra={"model": settings.model or "bundled", "seconds": seconds})
        return _explainer, seconds


def set_explainer(explainer: Explainer | None) -> None:
    """Install an already loaded explainer (tests share one per session)."""
    global _explainer
    with _lock:
        _explainer = explainer
