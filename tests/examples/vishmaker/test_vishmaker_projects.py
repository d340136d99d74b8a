"""Projects and the waitlist on DynamoDB Local: owner-scoped CRUD, indexes, transitions."""

from __future__ import annotations

from uuid import uuid4

import pytest

from dynastack.app import BoundApp
from dynastack.errors import ConditionalCheckFailed, InvalidRequest
from examples.vishmaker import ProjectRepository, WaitlistRepository, WaitlistStatus

pytestmark = pytest.mark.integration


def test_create_get_update_a_project_of_its_owner_only(
    projects: ProjectRepository, user_id: str
) -> None:
    made = projects.create_project(user_id, "Shop", initial_prompt="An online shop")
    assert projects.get_project(user_id, made.id) == made
    assert projects.get_project("someone-else", made.id) is None
    renamed = projects.update_project(user_id, made.id, name="Web shop")
    assert (renamed.name, renamed.initial_prompt) == ("Web shop", "An online shop")
    with pytest.raises(ConditionalCheckFailed, match="not found"):
        projects.update_project("someone-else", made.id, name="Stolen")


def test_list_projects_pages_through_the_user_id_index(
    projects: ProjectRepository, user_id: str
) -> None:
    made = {projects.create_project(user_id, f"P{n}").id for n in range(5)}
    projects.create_project("someone-else", "Not mine")
    first = projects.list_projects(user_id, limit=3)
    assert len(first) == 3 and first.cursor is not None
    rest = projects.list_projects(user_id, limit=3, cursor=first.cursor)
    assert rest.cursor is None
    assert {p.id for p in [*first, *rest]} == made


def test_find_by_name_uses_the_name_index_across_owners(
    projects: ProjectRepository, user_id: str
) -> None:
    name = f"Shared name {uuid4().hex[:6]}"
    ids = {projects.create_project(user_id, name).id}
    ids.add(projects.create_project("someone-else", name).id)
    assert {p.id for p in projects.find_by_name(name)} == ids
    assert projects.find_by_name("no such " + name) == []


def test_waitlist_join_is_idempotent_and_lists_by_status(waitlist: WaitlistRepository) -> None:
    email = f"w{uuid4().hex[:8]}@example.com"
    first = waitlist.join(email)
    assert first.status is WaitlistStatus.PENDING
    assert waitlist.join(email) == first
    assert waitlist.get(email) == first
    pending = waitlist.list_by_status(WaitlistStatus.PENDING, limit=1000)
    assert email in {e.email for e in pending}
    with pytest.raises(InvalidRequest):
        waitlist.join("not-an-address")


def test_waitlist_status_moves_forward_only(vm: BoundApp) -> None:
    email = f"w{uuid4().hex[:8]}@example.com"
    vm.service(WaitlistRepository).join(email)
    with pytest.raises(InvalidRequest, match="cannot become"):
        vm.service(WaitlistRepository).set_status(email, WaitlistStatus.JOINED)
    invited = vm.service(WaitlistRepository).set_status(email, WaitlistStatus.INVITED)
    assert invited.status is WaitlistStatus.INVITED
    invited_page = vm.service(WaitlistRepository).list_by_status(WaitlistStatus.INVITED, limit=1000)
    assert email in {e.email for e in invited_page}
    assert (
        vm.service(WaitlistRepository).set_status(email, WaitlistStatus.JOINED).status
        is WaitlistStatus.JOINED
    )
    vm.service(WaitlistRepository).remove(email)
    assert vm.service(WaitlistRepository).get(email) is None
    with pytest.raises(ConditionalCheckFailed):
        vm.service(WaitlistRepository).remove(email)
    with pytest.raises(ConditionalCheckFailed, match="not on the waitlist"):
        vm.service(WaitlistRepository).set_status(email, WaitlistStatus.INVITED)
