from __future__ import annotations

import pytest

from core.audit import (
    AuditItem,
    AuditItemsError,
    code_version,
    new_audit,
    parse_items_csv,
    record_failure,
    record_result,
)


def test_items_csv_with_bom_extra_columns_and_empty_answers():
    text = (
        "\ufeffDocument,Question,Answer,Note\n"
        "a.pdf,Who pays?,The client,x\n"
        "\n"
        'b.pdf,"Which law, if any?",,\n'
    )
    assert parse_items_csv(text) == [
        AuditItem("a.pdf", "Who pays?", "The client"),
        AuditItem("b.pdf", "Which law, if any?", None),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("document,answer\na.pdf,x\n", "lacks column(s) question"),
        ("document,question\n", "no items"),
        ("document,question\na.pdf,\n", "line 2"),
    ],
)
def test_bad_items_csv_says_what_is_wrong(text, message):
    with pytest.raises(AuditItemsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_items_csv(text)


def test_too_many_items_are_refused():
    text = "document,question\n" + "a.pdf,q\n" * 4
    with pytest.raises(AuditItemsError, match="at most 3"):
        parse_items_csv(text, max_items=3)


def test_progress_and_version_are_recorded(result):
    audit = new_audit([AuditItem("a", "q"), AuditItem("b", "q", "x")])
    assert audit["progress"] == {"total": 2, "done": 0, "failed": 0}
    record_result(audit, 0, result)
    assert audit["status"] == "running" and audit["model"] == result["model"]
    record_failure(audit, 1, "boom")
    assert audit["status"] == "done"
    assert audit["progress"] == {"total": 2, "done": 1, "failed": 1}
    assert audit["items"][1]["error"] == "boom"
    assert audit["code_version"] == code_version()
    assert audit["code_version"]["git_commit"]  # this test runs from a git checkout
