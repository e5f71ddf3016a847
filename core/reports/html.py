"""Self-contained HTML pages: one explanation, or a whole audit.

The pages carry their CSS inline and load nothing (no scripts, fonts or images), so a saved
report opens offline. Every piece of document text goes through Jinja2's autoescaping or
``markupsafe.escape``: a contract can contain ``<script>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup, escape

from core import verdicts
from core.reports.highlight import (
    HUES,
    evidence_alpha,
    excerpt_windows,
    intensity,
    max_positive,
    segments,
)

_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       color: #1d1d1f; background: #fafafa; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.4rem; margin: 0 0 .5rem; } h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.meta { color: #555; font-size: .85rem; }
h2:first-child { margin-top: 0; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 1rem;
        margin: 1rem 0; }
.badge { display: inline-block; padding: .1rem .5rem; border-radius: 3px; font-size: .8rem;
         font-weight: 600; }
.verdict { color: #fff; }
.verdict.supported { background: #0072B2; }
.verdict.contradicted { background: #D55E00; }
.verdict.not_in_document, .verdict.not_supported { background: #6B6B6B; }
.failed { background: #eee; color: #555; }
.doc { white-space: pre-wrap; font-family: Georgia, "Times New Roman", serif; font-size: .95rem;
       background: #fff; border: 1px solid #e5e5e5; padding: 1rem; border-radius: 4px; }
.doc .u { border-radius: 2px; }
.doc mark { color: inherit; border-radius: 2px; border-bottom: 2px solid #b34700; }
.doc .gap { color: #999; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem;
         border-bottom: 1px solid #eee; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.legend span { display: inline-block; width: 2rem; height: .9rem; vertical-align: middle; }
.error { color: #8a1c17; white-space: pre-wrap; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; margin: 0; }
dt { color: #555; } dd { margin: 0; }
"""

_EXPLANATION = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>docqa: {{ r.question }}</title><style>{{ css }}</style></head>
<body><main>
<h1>{{ r.question }}</h1>
<div class="card">
<dl>
<dt>Answer</dt><dd><strong>{{ r.answer }}</strong>
 <span class="meta">({{ r.answer_source }}{% if r.get('answer_trimmed') %}, cut at the token limit
 and trimmed to its last full sentence{% endif %})</span></dd>
<dt>Verdict</dt><dd>{{ badge(r) }}{% if r.get('verdict') %}
 <span class="meta">confidence {{ "%.2f"|format(r.verdict.confidence) }}
 (supported {{ "%.2f"|format(r.verdict.probabilities.supported) }} · contradicted
 {{ "%.2f"|format(r.verdict.probabilities.contradicted) }} · not in the document
 {{ "%.2f"|format(r.verdict.probabilities.not_in_document) }}; {{ r.verdict.calibration }})</span>
 {% endif %}</dd>
<dt>Document</dt><dd>{{ r.document.name }} · {{ r.document.pages }} page(s) ·
 {{ r.document.chars }} characters</dd>
<dt>Method</dt><dd>{{ method }}</dd>
<dt>Model</dt><dd>{{ r.model }}</dd>
<dt>Cost</dt><dd>{{ r.cost.forward_passes }} forward passes,
 {{ "%.1f"|format(r.cost.seconds) }} s</dd>
</dl>
</div>
{{ legend }}
<h2>Evidence</h2>
{{ evidence_table }}
{% if r.get('verdict') %}<h2>What the verdict rests on</h2>
{{ verdict_table }}{% endif %}
<h2>Document</h2>
<div class="doc">{{ body }}</div>
</main></body></html>
"""

_AUDIT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>docqa audit{% if a.id %} {{ a.id }}{% endif %}</title><style>{{ css }}</style></head>
<body><main>
<h1>Audit{% if a.id %} {{ a.id }}{% endif %}</h1>
<div class="card"><dl>
<dt>Items</dt><dd>{{ p.total }} total · {{ counts.supported }} supported ·
 {{ counts.contradicted }} contradicted · {{ counts.not_in_document }} not in the document
 · {{ p.failed }} failed{% if pending %} · {{ pending }} pending{% endif %}</dd>
<dt>Model</dt><dd>{{ a.model or "-" }}</dd>
<dt>Method</dt><dd>{{ method }}</dd>
<dt>Code</dt><dd>docqa {{ version }}</dd>
{% if a.created_at %}<dt>Created</dt><dd>{{ a.created_at }}</dd>{% endif %}
</dl></div>
<table><thead><tr><th>#</th><th>Document</th><th>Question</th><th>Answer</th><th>Result</th>
</tr></thead><tbody>
{% for it in items %}<tr><td class="num"><a href="#item-{{ it.index }}">{{ it.index }}</a></td>
<td>{{ it.document }}</td><td>{{ it.question }}</td><td>{{ it.answer_text }}</td>
<td>{{ it.badge }}</td></tr>
{% endfor %}</tbody></table>
{{ legend }}
{% for it in items %}
<div class="card" id="item-{{ it.index }}">
<h2>{{ it.index }}. {{ it.question }}</h2>
<p class="meta">{{ it.document }}</p>
<p><strong>Answer:</strong> {{ it.answer_text }}
 {% if it.answer_source %}<span class="meta">({{ it.answer_source }})</span>{% endif %}
 {{ it.badge }}</p>
{% if it.error %}<p class="error">{{ it.error }}</p>{% endif %}
{% if it.evidence_table %}{{ it.evidence_table }}{% endif %}
{% if it.excerpt %}<div class="doc">{{ it.excerpt }}</div>{% endif %}
</div>
{% endfor %}
</main></body></html>
"""

_env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True)
_explanation_template = _env.from_string(_EXPLANATION)
_audit_template = _env.from_string(_AUDIT)


def _rgba(hue: tuple[int, int, int], alpha: float) -> str:
    r, g, b = hue
    return f"rgba({r},{g},{b},{alpha:.2f})"


def _badge(result: Mapping[str, Any] | None, status: str = "done") -> Markup:
    if status == "failed":
        return Markup('<span class="badge failed">failed</span>')
    label = verdicts.label_of(result)
    if status != "done" or label is None:
        return Markup('<span class="badge failed">{}</span>').format(status)
    return Markup('<span class="badge verdict {}">{}</span>').format(label, verdicts.text_of(label))


def _method_text(method: Mapping[str, Any] | None) -> str:
    if not method:
        return "-"
    parts = [str(method.get("name", "atman"))]
    for key in ("mode", "factor", "kappa", "granularity"):
        if key in method:
            value = method[key]
            parts.append(f"{key}={'off' if value is None else value}")
    return " ".join(parts)


def _legend(hue: tuple[int, int, int]) -> Markup:
    steps = "".join(
        f'<span style="background:{_rgba(hue, 0.1 + 0.7 * i / 4)}"></span>' for i in range(5)
    )
    return Markup(
        '<p class="legend meta">Highlight strength = evidence score relative to the strongest '
        f"unit: weak {steps} strong. Underlined = reported evidence span.</p>"
    )


def highlighted_text(
    text: str,
    units: Sequence[Mapping[str, Any]],
    evidence: Sequence[Mapping[str, Any]],
    *,
    supported: bool = True,
    start: int = 0,
    end: int | None = None,
) -> Markup:
    """``text[start:end]`` as escaped HTML, units shaded and evidence marked by score."""
    hue = HUES[bool(supported)]
    scale = max_positive([u.get("score") for u in units] + [e.get("score") for e in evidence])
    out = []
    for seg in segments(text, units, evidence, start, end):
        piece = escape(text[seg.start : seg.end])
        ev = intensity(seg.evidence_score, scale)
        un = intensity(seg.unit_score, scale)
        if seg.evidence_score is not None:
            out.append(
                Markup(
                    '<mark style="background:{}" title="evidence score {:.4f}">{}</mark>'
                ).format(_rgba(hue, evidence_alpha(ev)), seg.evidence_score, piece)
            )
        elif un > 0:
            out.append(
                Markup(
                    '<span class="u" style="background:{}" title="score {:.4f}">{}</span>'
                ).format(_rgba(hue, 0.05 + 0.45 * un), seg.unit_score, piece)
            )
        else:
            out.append(piece)
    return Markup("").join(out)


def _evidence_table(evidence: Sequence[Mapping[str, Any]], limit: int | None = None) -> Markup:
    rows = list(evidence)[:limit] if limit else list(evidence)
    if not rows:
        return Markup('<p class="meta">No evidence spans.</p>')
    template = _env.from_string(
        "<table><thead><tr><th>#</th><th>Page</th><th>Score</th><th>Text</th></tr></thead>"
        "<tbody>{% for e in rows %}<tr><td class=num>{{ loop.index }}</td>"
        "<td class=num>{{ e.page }}</td><td class=num>{{ '%.4f'|format(e.score) }}</td>"
        "<td>{{ e.text }}</td></tr>{% endfor %}</tbody></table>"
    )
    return Markup(template.render(rows=rows))


def render_explanation(result: dict, document_text: str) -> str:
    """The page for one explanation (`docqa explain --html OUT`): the whole document with its
    units shaded and evidence marked by score. ``result`` is the DESIGN 2.1 JSON object."""
    supported = bool(result.get("supported"))
    body = highlighted_text(
        document_text, result.get("units", []), result.get("evidence", []), supported=supported
    )
    return _explanation_template.render(
        r=result,
        css=Markup(_CSS),
        badge=_badge,
        method=_method_text(result.get("method")),
        legend=_legend(HUES[supported]),
        evidence_table=_evidence_table(result.get("evidence", [])),
        verdict_table=_evidence_table((result.get("verdict") or {}).get("evidence", [])),
        body=body,
    )


def _excerpt(text: str, result: Mapping[str, Any], top: int) -> Markup:
    evidence = list(result.get("evidence", []))[:top]
    units = result.get("units", [])
    supported = bool(result.get("supported"))
    parts = []
    for window in excerpt_windows(text, evidence):
        if window.clipped_start:
            parts.append(Markup('<span class="gap">[…]\n</span>'))
        parts.append(
            highlighted_text(
                text, units, evidence, supported=supported, start=window.start, end=window.end
            )
        )
        if window.clipped_end:
            parts.append(Markup('<span class="gap">\n[…]</span>\n'))
    return Markup("").join(parts)


def render_audit(
    audit: Mapping[str, Any], documents: Mapping[str, str], *, top_evidence: int = 3
) -> str:
    """The audit report: a summary table, then per item the answer, whether the contract
    supports it, its top evidence with pages and scores, and the contract excerpt around that
    evidence highlighted by score.

    ``audit`` is the audit JSON (see ``core.reports.audit_format``); ``documents`` maps a
    document name to its extracted text. Items whose document text is missing get no excerpt.
    """
    items = []
    done, pending = [], 0
    for item in audit.get("items", []):
        result = item.get("result") or None
        status = item.get("status", "done" if result else "failed")
        if status == "done" and result:
            done.append(result)
        elif status not in ("done", "failed"):
            pending += 1
        text = documents.get(item.get("document", ""))
        items.append(
            {
                "index": item.get("index", len(items)),
                "document": item.get("document", ""),
                "question": item.get("question", ""),
                "answer_text": (result or {}).get("answer") or item.get("answer") or "",
                "answer_source": (result or {}).get("answer_source"),
                "badge": _badge(result, status),
                "error": item.get("error"),
                "evidence_table": (
                    _evidence_table(result.get("evidence", []), top_evidence) if result else None
                ),
                "excerpt": _excerpt(text, result, top_evidence) if result and text else None,
            }
        )
    version = audit.get("code_version") or {}
    version_text = str(version.get("docqa", "?"))
    if version.get("git_commit"):
        version_text += f" (commit {version['git_commit']})"
    return _audit_template.render(
        a=audit,
        p=audit.get("progress") or {"total": len(items), "failed": 0},
        counts=verdicts.counts(done),
        pending=pending,
        items=items,
        css=Markup(_CSS),
        method=_method_text(audit.get("method")),
        version=version_text,
        legend=_legend(HUES[True]),
    )
