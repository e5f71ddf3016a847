"""Every kind of background job: its Celery name, queue and plain function.

``backend.tasks`` turns each into a Celery task; the embedded runner calls ``run`` directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from backend.jobs import audit_item, explain_question, ingest_document


@dataclass(frozen=True)
class Job:
    name: str  # dotted Celery task name
    queue: str
    run: Callable[[uuid.UUID], object]


JOBS: dict[str, Job] = {
    "ingest": Job("docqa.ingest.document", "ingest", ingest_document.run),
    "explain": Job("docqa.explain.question", "explain", explain_question.run),
    "audit_item": Job("docqa.explain.audit_item", "explain", audit_item.run),
}
QUEUES = sorted({job.queue for job in JOBS.values()})
