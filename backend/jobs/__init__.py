"""The work behind each task, as plain functions taking ids.

Celery tasks (``backend.tasks``) and the embedded in-process runner (``backend.queue``) both
call these, so tests can call them directly too.
"""
