// docqa web page: upload, ask, watch the status, see the evidence highlighted by score.
// Every piece of document text reaches the page through textContent / text nodes, never as
// markup: a PDF can contain "<script>".
"use strict";

const state = { key: "", documentId: null, document: null, pollTimer: null };
const $ = (id) => document.getElementById(id);
const POLL_MS = 500;

// ---------------------------------------------------------------- API
async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (state.key) headers.Authorization = `Bearer ${state.key}`;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const type = response.headers.get("content-type") || "";
  const body = type.includes("application/json") ? await response.json() : await response.blob();
  if (!response.ok) {
    const detail = body && body.detail ? body.detail : `HTTP ${response.status}`;
    throw new Error(detail);
  }
  return body;
}

function setStatus(id, text, isError = false) {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle("error", isError);
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Poll a resource until it is done or failed, reporting each status.
async function waitFinal(path, onStatus) {
  for (;;) {
    const body = await api(path);
    onStatus(body);
    if (body.status === "done" || body.status === "failed") return body;
    await sleep(POLL_MS);
  }
}

// ---------------------------------------------------------------- highlighting
// Cut [start, end) at every unit/evidence boundary; each piece carries the strongest unit
// score and evidence score covering it (units and evidence may nest: paragraphs, then
// sentences or words inside the top paragraphs).
function segments(start, end, units, evidence) {
  const cuts = new Set([start, end]);
  for (const s of units.concat(evidence)) {
    if (s.start > start && s.start < end) cuts.add(s.start);
    if (s.end > start && s.end < end) cuts.add(s.end);
  }
  const points = Array.from(cuts).sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i];
    const b = points[i + 1];
    let unit = null;
    let ev = null;
    let rank = null;
    for (const u of units) {
      if (u.start <= a && b <= u.end && (unit === null || u.score > unit)) unit = u.score;
    }
    evidence.forEach((e, r) => {
      if (e.start <= a && b <= e.end) {
        if (ev === null || e.score > ev) ev = e.score;
        if (rank === null || r < rank) rank = r;
      }
    });
    out.push({ start: a, end: b, unit, ev, rank });
  }
  return out;
}

function maxPositive(values) {
  return values.reduce((m, v) => (v > m ? v : m), 0);
}

// Colours as the reports' (core/reports/highlight.py: HUES, evidence_alpha).
function rgba(supported, alpha) {
  const [r, g, b] = supported ? [255, 140, 0] : [140, 140, 140];
  return `rgba(${r}, ${g}, ${b}, ${alpha.toFixed(2)})`;
}

function evidenceAlpha(level) {
  return 0.15 + 0.7 * level;
}

// The text of one page as DOM nodes: plain text nodes, shaded units, marked evidence.
function renderText(container, text, start, end, result) {
  const units = result ? result.units || [] : [];
  const evidence = result ? result.evidence || [] : [];
  const supported = result ? !!result.supported : true;
  const scale = maxPositive(units.map((u) => u.score).concat(evidence.map((e) => e.score)));
  const level = (score) => (score > 0 && scale > 0 ? Math.min(score / scale, 1) : 0);
  // Only the spans touching this page take part (word-level explanations have thousands).
  const here = (s) => s.start < end && s.end > start;
  const nodes = [];
  for (const seg of segments(start, end, units.filter(here), evidence)) {
    const piece = text.slice(seg.start, seg.end);
    if (seg.ev !== null) {
      const mark = el("mark", piece);
      mark.dataset.score = seg.ev.toFixed(6);
      mark.dataset.rank = String(seg.rank + 1);
      mark.title = `evidence #${seg.rank + 1}, score ${seg.ev.toFixed(4)}`;
      mark.style.backgroundColor = rgba(supported, evidenceAlpha(level(seg.ev)));
      nodes.push(mark);
    } else if (seg.unit !== null && level(seg.unit) > 0) {
      const span = el("span", piece, "unit");
      span.dataset.score = seg.unit.toFixed(6);
      span.title = `score ${seg.unit.toFixed(4)}`;
      span.style.backgroundColor = rgba(supported, 0.05 + 0.45 * level(seg.unit));
      nodes.push(span);
    } else {
      nodes.push(document.createTextNode(piece));
    }
  }
  container.replaceChildren(...nodes);
}

function pageRanges(doc) {
  const text = doc.text || "";
  if (doc.page_ranges && doc.page_ranges.length) return doc.page_ranges;
  return [{ number: 1, start: 0, end: text.length }];
}

function renderPages(doc, result) {
  const pages = $("pages");
  if (!doc || doc.text === null || doc.text === undefined) {
    pages.replaceChildren();
    return;
  }
  const sections = pageRanges(doc).map((page) => {
    const section = el("section", null, "page");
    section.dataset.page = String(page.number);
    section.appendChild(el("h3", `Page ${page.number}`));
    const body = el("div", null, "page-text");
    renderText(body, doc.text, page.start, page.end, result);
    section.appendChild(body);
    return section;
  });
  pages.replaceChildren(...sections);
  $("empty").hidden = true;
}

// ---------------------------------------------------------------- page view (PDFs)
// The real page, rendered on the server as a PNG (fetched with the key, shown from a blob),
// with each evidence span's rectangles drawn over it by score. Nothing from the PDF becomes
// markup: the page is an image, the boxes carry only numbers.
const pageView = { highlights: null, page: 1, url: null };

function hidePageView() {
  pageView.highlights = null;
  $("page-view").hidden = true;
  $("views").classList.remove("with-page");
  if (pageView.url) URL.revokeObjectURL(pageView.url);
  pageView.url = null;
  $("page-image").removeAttribute("src");
}

async function showPageView(question) {
  if (!state.document || state.document.kind !== "pdf") return;
  try {
    const highlights = await api(`/v1/questions/${question.id}/highlights`);
    pageView.highlights = highlights;
    $("page-view").hidden = false;
    $("views").classList.add("with-page");
    const top = highlights.evidence.find((e) => e.boxes.length);
    await showPage(top ? top.boxes[0].page : 1);
  } catch (err) {
    setStatus("page-status", err.message, true);
  }
}

async function showPage(number) {
  const h = pageView.highlights;
  if (!h) return;
  const count = h.pages.length;
  const n = Math.min(Math.max(number, 1), count);
  setStatus("page-status", "");
  const blob = await api(`/v1/documents/${state.documentId}/pages/${n}.png`);
  if (pageView.highlights !== h) return; // another question was opened meanwhile
  if (pageView.url) URL.revokeObjectURL(pageView.url);
  pageView.url = URL.createObjectURL(blob);
  pageView.page = n;
  const img = $("page-image");
  img.src = pageView.url;
  $("page-label").textContent = `Page ${n} of ${count}`;
  $("page-prev").disabled = n <= 1;
  $("page-next").disabled = n >= count;
  const scale = maxPositive(h.evidence.map((e) => e.score));
  const boxes = [];
  for (const e of h.evidence) {
    const level = e.score > 0 && scale > 0 ? Math.min(e.score / scale, 1) : 0;
    for (const b of e.boxes) {
      if (b.page !== n) continue;
      const box = el("div", null, "hl");
      box.dataset.rank = String(e.rank);
      box.dataset.score = e.score.toFixed(6);
      box.title = `evidence #${e.rank}, score ${e.score.toFixed(4)}`;
      box.style.left = `${(100 * b.x).toFixed(3)}%`;
      box.style.top = `${(100 * b.y).toFixed(3)}%`;
      box.style.width = `${(100 * b.w).toFixed(3)}%`;
      box.style.height = `${(100 * b.h).toFixed(3)}%`;
      box.style.backgroundColor = rgba(h.supported, evidenceAlpha(level));
      box.addEventListener("click", () => focusEvidence(e.rank));
      boxes.push(box);
    }
  }
  $("page-canvas").replaceChildren(img, ...boxes);
}

// The page holding evidence #rank, shown in the page view when it is not already.
async function showEvidencePage(rank) {
  const h = pageView.highlights;
  const e = h && h.evidence.find((x) => x.rank === rank && x.boxes.length);
  if (e && e.boxes[0].page !== pageView.page) await showPage(e.boxes[0].page);
  document.querySelectorAll("#page-canvas .hl").forEach((b) => {
    b.classList.toggle("focus", b.dataset.rank === String(rank));
  });
}

// ---------------------------------------------------------------- documents
async function openDocument(id) {
  state.documentId = id;
  $("document-panel").hidden = false;
  $("answer-panel").hidden = true;
  $("pages").replaceChildren();
  hidePageView();
  setStatus("question-status", "");
  const doc = await waitFinal(`/v1/documents/${id}`, (d) => {
    $("doc-title").textContent = d.filename;
    setStatus("doc-status", d.status === "done" ? "" : `Document ${d.status} ...`);
  });
  state.document = doc;
  if (doc.status === "failed") {
    setStatus("doc-status", `Ingestion failed: ${doc.error}`, true);
    $("ask-button").disabled = true;
    return doc;
  }
  $("ask-button").disabled = false;
  setStatus("doc-status", `${doc.pages} page(s), ${doc.chars} characters`);
  renderPages(doc, null);
  return doc;
}

async function uploadDocument(event) {
  event.preventDefault();
  const file = $("file-input").files[0];
  if (!file) {
    setStatus("upload-status", "Choose a file first.", true);
    return;
  }
  const form = new FormData();
  form.append("file", file);
  setStatus("upload-status", `Uploading ${file.name} ...`);
  try {
    const accepted = await api("/v1/documents", { method: "POST", body: form });
    setStatus("upload-status", `Uploaded ${file.name}.`);
    await openDocument(accepted.id);
    refreshLists();
  } catch (err) {
    setStatus("upload-status", err.message, true);
  }
}

// ---------------------------------------------------------------- questions
// The three-way verdict (DESIGN 1.8); names as core/verdicts.py gives them.
const VERDICT_TEXT = {
  supported: "supported by the document",
  contradicted: "contradicted by the document",
  not_in_document: "not in the document",
  not_supported: "not supported",
};

function verdictOf(result) {
  // Results stored before the verdict existed carry only `supported`.
  if (result.verdict && VERDICT_TEXT[result.verdict.label]) return result.verdict.label;
  return result.supported ? "supported" : "not_supported";
}

function showResult(result) {
  // result: the question (id, status ...) with its explanation (DESIGN 2.1 fields).
  $("answer-panel").hidden = false;
  $("answer").textContent = result.answer;
  const trimmed = result.answer_trimmed
    ? ", cut at the token limit and trimmed to its last full sentence"
    : "";
  $("answer-source").textContent = `(${result.answer_source}${trimmed})`;
  const badge = $("supported");
  const label = verdictOf(result);
  const v = result.verdict;
  badge.textContent =
    VERDICT_TEXT[label] + (v ? ` · confidence ${Number(v.confidence).toFixed(2)}` : "");
  badge.className = `badge verdict ${label}`;
  badge.title = v
    ? Object.entries(v.probabilities)
        .map(([k, p]) => `${VERDICT_TEXT[k]} ${Number(p).toFixed(2)}`)
        .join(" · ")
    : "";
  const m = result.method || {};
  const cost = result.cost || {};
  $("method").textContent =
    `${result.model} · ${m.name} ${m.mode} factor=${m.factor} granularity=${m.granularity}` +
    ` · ${cost.forward_passes} forward passes, ${Number(cost.seconds || 0).toFixed(1)} s`;
  const items = (result.evidence || []).slice(0, 5).map((e, i) => {
    const li = el("li");
    li.appendChild(el("span", `p. ${e.page} · ${e.score.toFixed(4)}`, "where"));
    li.appendChild(document.createTextNode(e.text));
    li.addEventListener("click", () => focusEvidence(i + 1));
    return li;
  });
  $("evidence-list").replaceChildren(...items);
  renderPages(state.document, result);
  focusEvidence(1);
  showPageView(result).then(() => showEvidencePage(1));
}

function focusEvidence(rank) {
  document.querySelectorAll("mark.focus").forEach((m) => m.classList.remove("focus"));
  const marks = document.querySelectorAll(`mark[data-rank="${rank}"]`);
  marks.forEach((m) => m.classList.add("focus"));
  if (marks.length) marks[0].scrollIntoView({ block: "center" });
  if (pageView.highlights) showEvidencePage(rank).catch((err) => setStatus("page-status", err.message, true));
}

async function followQuestion(id) {
  const q = await waitFinal(`/v1/questions/${id}`, (body) => {
    setStatus("question-status", `Question ${body.status} ...`);
  });
  if (q.status === "failed") {
    setStatus("question-status", `Failed: ${q.error}`, true);
    return;
  }
  setStatus("question-status", "Done.");
  showResult(q);
}

async function ask(event) {
  event.preventDefault();
  if (!state.documentId) return;
  const body = {
    question: $("question-input").value,
    granularity: $("granularity").value,
  };
  const answer = $("answer-input").value.trim();
  if (answer) body.answer = answer;
  $("answer-panel").hidden = true;
  renderPages(state.document, null);
  hidePageView();
  setStatus("question-status", "Sending ...");
  $("ask-button").disabled = true;
  try {
    const accepted = await api(`/v1/documents/${state.documentId}/questions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    await followQuestion(accepted.id);
    refreshLists();
  } catch (err) {
    setStatus("question-status", err.message, true);
  } finally {
    $("ask-button").disabled = false;
  }
}

async function openQuestion(q) {
  try {
    await openDocument(q.document_id);
    $("question-input").value = q.question;
    await followQuestion(q.id);
  } catch (err) {
    setStatus("question-status", err.message, true);
  }
}

// ---------------------------------------------------------------- audits
async function startAudit(event) {
  event.preventDefault();
  const file = $("audit-file").files[0];
  if (!file) {
    setStatus("audit-status", "Choose a CSV file first.", true);
    return;
  }
  const form = new FormData();
  form.append("file", file);
  form.append("name", file.name);
  try {
    const accepted = await api("/v1/audits", { method: "POST", body: form });
    setStatus("audit-status", `Audit ${accepted.id.slice(0, 8)} queued.`);
    refreshLists();
  } catch (err) {
    setStatus("audit-status", err.message, true);
  }
}

async function openReport(id, format) {
  try {
    const blob = await api(`/v1/audits/${id}/report?format=${format}`);
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = `audit-${id}.${format}`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (err) {
    setStatus("audit-status", err.message, true);
  }
}

// ---------------------------------------------------------------- lists
function listItem(title, meta, onClick) {
  const li = el("li");
  li.appendChild(el("span", title));
  if (meta) li.appendChild(el("span", meta, "meta"));
  if (onClick) li.addEventListener("click", onClick);
  return li;
}

async function refreshLists() {
  if (!state.key) return;
  try {
    const [docs, questions, audits] = await Promise.all([
      api("/v1/documents?limit=50"),
      api("/v1/questions?limit=30"),
      api("/v1/audits?limit=30"),
    ]);
    $("documents-list").replaceChildren(
      ...docs.data.map((d) =>
        listItem(d.filename, `${d.status} · ${d.pages ?? "?"} page(s)`, () =>
          openDocument(d.id).catch((err) => setStatus("doc-status", err.message, true)),
        ),
      ),
    );
    $("questions-list").replaceChildren(
      ...questions.data.map((q) =>
        listItem(
          q.question,
          q.status === "done"
            ? `${q.answer} · ${VERDICT_TEXT[verdictOf(q)]}`
            : q.status,
          () => openQuestion(q),
        ),
      ),
    );
    $("audits-list").replaceChildren(
      ...audits.data.map((a) => {
        const p = a.progress;
        const li = listItem(
          a.name || a.id.slice(0, 8),
          `${a.status} · ${p.done} done, ${p.failed} failed of ${p.total}`,
        );
        for (const format of ["html", "csv"]) {
          const link = el("button", `${format.toUpperCase()} report`, "link");
          link.type = "button";
          link.addEventListener("click", () => openReport(a.id, format));
          li.appendChild(link);
          li.appendChild(document.createTextNode(" "));
        }
        return li;
      }),
    );
    setStatus("key-status", "");
    const running = audits.data.some((a) => a.status === "queued" || a.status === "running");
    clearTimeout(state.pollTimer);
    if (running) state.pollTimer = setTimeout(refreshLists, 2000);
  } catch (err) {
    setStatus("key-status", err.message, true);
  }
}

// ---------------------------------------------------------------- start
function useKey(event) {
  if (event) event.preventDefault();
  state.key = $("api-key").value.trim();
  // Kept for this browser tab only, not across browser restarts.
  sessionStorage.setItem("docqa-key", state.key);
  setStatus("key-status", state.key ? "" : "enter a key");
  refreshLists();
}

document.addEventListener("DOMContentLoaded", () => {
  $("api-key").value = sessionStorage.getItem("docqa-key") || "";
  $("key-form").addEventListener("submit", useKey);
  $("upload-form").addEventListener("submit", uploadDocument);
  $("ask-form").addEventListener("submit", ask);
  $("audit-form").addEventListener("submit", startAudit);
  $("refresh-lists").addEventListener("click", refreshLists);
  const turn = (step) => () =>
    showPage(pageView.page + step).catch((err) => setStatus("page-status", err.message, true));
  $("page-prev").addEventListener("click", turn(-1));
  $("page-next").addEventListener("click", turn(1));
  if ($("api-key").value) useKey();
});
