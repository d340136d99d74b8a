"""K9 reports (seed 001): owner-scoped create, list by UserReportsIndex, conditional writes."""

from __future__ import annotations

import datetime as dt

import pytest

from dynastack.errors import ConditionalCheckFailed, InvalidCursor, VersionConflict
from examples.k9 import Report, ReportRepository

pytestmark = pytest.mark.integration


def _report(user_id: str, title: str) -> Report:
    return Report(user_id=user_id, title=title, author="Dr. Vet", date=dt.date(2025, 2, 14))


def test_create_report_belongs_to_the_caller_whatever_the_report_says(
    reports: ReportRepository, user_id: str
) -> None:
    forged = Report(user_id="someone-else", title="Elbow scores")
    created = reports.create_report(user_id, forged)
    assert created.user_id == user_id
    assert created.version == 1
    assert reports.get_report(user_id, created.report_id) == created
    assert reports.get_report("someone-else", created.report_id) is None


def test_create_report_refuses_a_taken_id(reports: ReportRepository, user_id: str) -> None:
    first = reports.create_report(user_id, _report(user_id, "first"))
    with pytest.raises(ConditionalCheckFailed, match="already exists"):
        reports.create_report(
            user_id, Report(report_id=first.report_id, user_id=user_id, title="x")
        )


def test_list_reports_pages_newest_first_with_a_sealed_cursor(
    reports: ReportRepository, user_id: str
) -> None:
    titles = [f"report {n}" for n in range(5)]
    for title in titles:  # the ticking clock gives each a later created_at
        reports.create_report(user_id, _report(user_id, title))
    reports.create_report("other-user", _report("other-user", "not mine"))

    first = reports.list_reports(user_id, limit=2)
    assert [r.title for r in first] == ["report 4", "report 3"]
    assert first.cursor is not None
    second = reports.list_reports(user_id, limit=2, cursor=first.cursor)
    third = reports.list_reports(user_id, limit=2, cursor=second.cursor)
    assert [r.title for r in second] == ["report 2", "report 1"]
    assert [r.title for r in third] == ["report 0"]
    assert third.cursor is None
    # the cursor is bound to its user: another user cannot continue (or probe) this listing
    with pytest.raises(InvalidCursor):
        reports.list_reports("other-user", limit=2, cursor=first.cursor)


def test_update_report_by_its_owner_changes_only_the_given_fields(
    reports: ReportRepository, user_id: str
) -> None:
    report = reports.create_report(user_id, _report(user_id, "draft"))
    updated = reports.update_report(user_id, report.report_id, title="final", favorites=3)
    assert (updated.title, updated.favorites, updated.author) == ("final", 3, "Dr. Vet")
    assert updated.version == 2
    assert updated.updated_at > report.updated_at
    assert updated.created_at == report.created_at


def test_update_report_by_another_user_fails_like_a_missing_report(
    reports: ReportRepository, user_id: str
) -> None:
    report = reports.create_report(user_id, _report(user_id, "private"))
    with pytest.raises(ConditionalCheckFailed, match="not found") as foreign:
        reports.update_report("intruder", report.report_id, title="hacked")
    with pytest.raises(ConditionalCheckFailed, match="not found") as missing:
        reports.update_report("intruder", "no-such-report", title="hacked")
    # the same message shape either way: nothing tells the intruder the report exists
    assert str(foreign.value).replace(report.report_id, "ID") == str(missing.value).replace(
        "no-such-report", "ID"
    )
    assert reports.get_report(user_id, report.report_id) == report


def test_update_report_with_a_stale_copy_is_a_version_conflict(
    reports: ReportRepository, user_id: str
) -> None:
    report = reports.create_report(user_id, _report(user_id, "v1"))
    reports.update_report(user_id, report, title="v2")
    with pytest.raises(VersionConflict) as conflict:
        reports.update_report(user_id, report, title="v2 again")
    assert isinstance(conflict.value.current, Report)
    assert conflict.value.current.title == "v2"


def test_delete_report_only_by_its_owner(reports: ReportRepository, user_id: str) -> None:
    report = reports.create_report(user_id, _report(user_id, "to delete"))
    with pytest.raises(ConditionalCheckFailed, match="not found"):
        reports.delete_report(report.report_id, "intruder")
    assert reports.get_report(user_id, report.report_id) is not None
    reports.delete_report(report.report_id, user_id)
    assert reports.get_report(user_id, report.report_id) is None
    with pytest.raises(ConditionalCheckFailed, match="not found"):
        reports.delete_report(report.report_id, user_id)
