"""ORM models. Importing this package registers every table on ``Base.metadata``."""

from backend.models.audit import Audit, AuditItem
from backend.models.base import Base, Status, utcnow
from backend.models.document import Chunk, Document, DocumentFile
from backend.models.question import EvidenceSpan, Explanation, ExplanationUnit, Question
from backend.models.tenant import ApiKey, Tenant

__all__ = [
    "ApiKey",
    "Audit",
    "AuditItem",
    "Base",
    "Chunk",
    "Document",
    "DocumentFile",
    "EvidenceSpan",
    "Explanation",
    "ExplanationUnit",
    "Question",
    "Status",
    "Tenant",
    "utcnow",
]
