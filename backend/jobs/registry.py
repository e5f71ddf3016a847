"""Every kind of background job, by kind: its Celery name, queue, table and work.

``backend.tasks`` turns each into a Celery task; the embedded runner calls
``backend.jobs.runner.run`` with it directly.
"""

from __future__ import annotations

from backend.jobs import explain_question, ingest_document
from backend.jobs.runner import Job

JOBS: dict[str, Job] = {job.kind: job for job in (ingest_document.JOB, explain_question.JOB)}
QUEUES = sorted({job.queue for job in JOBS.values()})
