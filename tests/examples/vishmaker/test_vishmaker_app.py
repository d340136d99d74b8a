"""The tables as seed 004 lays them out, the doctor (the seed's connection test, table check
and table info), and the demo data."""

from __future__ import annotations

import pytest
from examples.vishmaker.seed import DEMO_USERS

from dynastack import Client
from dynastack.ops import count_items, diagnose, run_seed
from examples.vishmaker import Project, ProjectRepository, WaitlistRepository, WaitlistStatus, app

from .vishmaker_support import assert_no_orphans

#: the seed's tables: default name (for env "prod"), variable, hash key, range key, indexes
SEED_TABLES = [
    ("prod-vishmaker-projects", "PROJECTS_TABLE_NAME", "id", "user_id",
     {"user_id-index": "user_id", "name-index": "name"}),
    ("prod-vishmaker-user-flows", "USER_FLOWS_TABLE_NAME", "uiid", "project_id",
     {"project_id-index": "project_id"}),
    ("prod-vishmaker-high-level-requirements", "HIGH_LEVEL_REQUIREMENTS_TABLE_NAME", "uiid",
     "parent_uiid", {"parent_uiid-index": "parent_uiid"}),
    ("prod-vishmaker-low-level-requirements", "LOW_LEVEL_REQUIREMENTS_TABLE_NAME", "uiid",
     "parent_uiid", {"parent_uiid-index": "parent_uiid"}),
    ("prod-vishmaker-test-cases", "TEST_CASES_TABLE_NAME", "uiid", "parent_uiid",
     {"parent_uiid-index": "parent_uiid"}),
    ("prod-vishmaker-waitlist", "WAITLIST_TABLE_NAME", "email", None, {"status-index": "status"}),
]  # fmt: skip


def test_tables_keys_and_indexes_are_the_seeds() -> None:
    specs = app.table_specs(env="prod", environ={})
    assert len(specs) == len(SEED_TABLES)
    for spec, (name, _, pk, sk, indexes) in zip(specs, SEED_TABLES, strict=True):
        assert spec.name == name
        assert (spec.pk.name, spec.pk.type) == (pk, "S")
        assert (spec.sk and spec.sk.name) == sk
        assert {i.name: i.pk.name for i in spec.indexes} == indexes
        assert all(i.sk is None and i.projection == "ALL" for i in spec.indexes)


def test_every_table_name_comes_from_its_variable_when_set() -> None:
    environ = {variable: f"custom-{n}" for n, (_, variable, *_) in enumerate(SEED_TABLES)}
    names = [spec.name for spec in app.table_specs(env="prod", environ=environ)]
    assert names == [f"custom-{n}" for n in range(len(SEED_TABLES))]


@pytest.mark.integration
def test_doctor_reports_every_table_present_and_matching(client: Client, env: str) -> None:
    report = diagnose(app, client, env=env)
    assert report.reachable and report.exit_code == 0, [c.detail for c in report.failures]
    assert set(report.item_counts) >= {spec.name for spec in app.table_specs(env=env)}


@pytest.mark.integration
def test_seed_writes_consistent_trees_and_can_run_twice(client: Client, env: str) -> None:
    first = run_seed(app, client, env=env, count=3)
    assert run_seed(app, client, env=env, count=3) == first
    assert first == {
        "Project": 3,
        "UserFlow": 6,
        "HighLevelRequirement": 12,
        "LowLevelRequirement": 24,
        "TestCase": 48,
        "Waitlist": 3,
    }
    assert count_items(client, f"{env}-vishmaker-test-cases") >= 48
    census = assert_no_orphans(client, env)
    demo = [p for p in census[Project] if isinstance(p, Project) and p.user_id in DEMO_USERS]
    assert len(demo) == 3
    vm = app.bind(client, env=env)
    assert len(vm.service(ProjectRepository).list_projects(DEMO_USERS[0]).items) == 1
    invited = vm.service(WaitlistRepository).list_by_status(WaitlistStatus.INVITED)
    assert [e.email for e in invited] == ["waiting0001@example.com"]
