from __future__ import annotations

from core.reports.highlight import Segment, excerpt_windows, intensity, segments

TEXT = "Alpha beta. Gamma delta. Epsilon."


def test_nested_spans_cut_the_text_and_keep_the_strongest_scores():
    units = [{"start": 0, "end": 24, "score": 0.2}, {"start": 12, "end": 24, "score": 0.5}]
    evidence = [{"start": 12, "end": 17, "score": 0.9}]
    segs = segments(TEXT, units, evidence)
    assert "".join(TEXT[s.start : s.end] for s in segs) == TEXT
    assert segs == [
        Segment(0, 12, 0.2, None),
        Segment(12, 17, 0.5, 0.9),
        Segment(17, 24, 0.5, None),
        Segment(24, len(TEXT), None, None),
    ]


def test_offsets_outside_the_text_are_clipped_and_windows_restrict():
    units = [{"start": -5, "end": 5, "score": 1.0}, {"start": 30, "end": 999, "score": 0.1}]
    segs = segments(TEXT, units, [], start=3, end=31)
    assert segs[0] == Segment(3, 5, 1.0, None)
    assert segs[-1] == Segment(30, 31, 0.1, None)


def test_intensity_lights_only_positive_scores():
    assert intensity(0.5, 1.0) == 0.5
    assert intensity(2.0, 1.0) == 1.0
    assert intensity(-0.3, 1.0) == 0.0
    assert intensity(None, 1.0) == 0.0
    assert intensity(0.3, 0.0) == 0.0


def test_excerpt_windows_merge_and_do_not_cut_words():
    text = "word " * 200
    windows = excerpt_windows(text, [{"start": 400, "end": 410}, {"start": 450, "end": 460}])
    assert len(windows) == 1  # within context of each other: merged
    w = windows[0]
    assert w.clipped_start and w.clipped_end
    assert text[w.start - 1] == " " and text[w.end] == " "
    far = excerpt_windows(text, [{"start": 10, "end": 15}, {"start": 900, "end": 905}])
    assert len(far) == 2 and not far[0].clipped_start


def test_excerpt_windows_grow_to_whole_paragraphs_nearby():
    paras = [f"Paragraph {i}. " + "filler words here " * 25 for i in range(4)]
    text = "\n\n".join(paras)
    second = text.index("Paragraph 1.")
    window = excerpt_windows(text, [{"start": second + 200, "end": second + 220}])[0]
    assert text[window.start : window.end] == paras[1]
    assert window.clipped_start and window.clipped_end


def test_sweep_matches_brute_force_on_random_overlapping_spans():
    import random

    rng = random.Random(7)
    text = "x" * 500
    for _ in range(50):
        spans = []
        for _ in range(rng.randint(0, 30)):
            s = rng.randint(-10, 505)
            spans.append({"start": s, "end": s + rng.randint(0, 120), "score": rng.uniform(-1, 1)})
        lo, hi = sorted(rng.sample(range(0, 501), 2))
        for seg in segments(text, spans, spans[:5], lo, hi):
            covering = [
                sp["score"] for sp in spans if sp["start"] <= seg.start and seg.end <= sp["end"]
            ]
            assert seg.unit_score == (max(covering) if covering else None)
            ev = [
                sp["score"] for sp in spans[:5] if sp["start"] <= seg.start and seg.end <= sp["end"]
            ]
            assert seg.evidence_score == (max(ev) if ev else None)
