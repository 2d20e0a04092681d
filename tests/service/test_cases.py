"""Students' problems through HTTP on SQLite and PostgreSQL: the life cycle (raised → with the
SAO → passed to an office → answered → fed back) with the engine's rules enforced on the
server, the feedback note that closes a case, the SAO's list with ages and holders, and a
college that never reaches another college's case."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from planner.service.cases.models import CaseStep, ProblemCase
from planner.service.ledger.service import today

from .conftest import Service
from .ledger_helpers import a_case, audit_actions, post


def _case(service: Service, case_id: int) -> tuple[ProblemCase, list[CaseStep]]:
    with service.db.session() as db:
        case = db.get(ProblemCase, case_id)
        steps = list(
            db.scalars(select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.id))
        )
    assert case is not None
    return case, steps


def _step(client, case_id: int, **data: str):  # type: ignore[no-untyped-def]
    page = f"/cases/{case_id}"
    return post(client, page, f"/cases/{case_id}/steps", data)


def test_a_case_goes_through_its_life_cycle(service: Service) -> None:
    raised = a_case(service, "C01", "raised")
    college, sao = service.client("c01"), service.client("staff")
    day = max(raised.raised_on, dt.date(2026, 11, 21)).isoformat()
    page = college.get(f"/cases/{raised.id}")
    assert page.status_code == 200 and 'id="step-with_sao"' in page.text
    assert 'id="step-passed"' not in page.text  # only the SAO passes cases on
    # the college may not pass it on, whatever it posts
    refused = _step(college, raised.id, to="passed", on=day, office="教务处")
    assert refused.status_code == 400 and "学生处" in refused.text
    assert _case(service, raised.id)[0].status == "raised"
    assert _step(college, raised.id, to="with_sao", on=day).status_code == 303
    page = sao.get(f"/cases/{raised.id}")
    assert 'id="step-passed"' in page.text and 'id="step-answered"' in page.text
    no_office = _step(sao, raised.id, to="passed", on=day, office="")
    assert no_office.status_code == 400 and 'id="error-office"' in no_office.text
    assert _step(sao, raised.id, to="passed", on=day, office="后勤管理处").status_code == 303
    no_answer = _step(sao, raised.id, to="answered", on=day, note="")
    assert no_answer.status_code == 400 and 'id="error-note"' in no_answer.text
    earlier = _step(sao, raised.id, to="answered", on="2026-09-01", note="已处理")
    assert earlier.status_code == 400  # a later step cannot be dated earlier
    assert _step(sao, raised.id, to="answered", on=day, note="已安排维修").status_code == 303
    assert 'id="step-fed_back"' in college.get(f"/cases/{raised.id}").text
    no_note = _step(college, raised.id, to="fed_back", on=day, note="")
    assert no_note.status_code == 400 and "办结" in no_note.text
    done = _step(college, raised.id, to="fed_back", on=day, note="已在班会上向学生反馈")
    assert done.status_code == 303
    case, steps = _case(service, raised.id)
    assert case.status == "fed_back" and case.office == "后勤管理处"
    assert [s.status for s in steps] == ["raised", "with_sao", "passed", "answered", "fed_back"]
    assert steps[-1].note == "已在班会上向学生反馈" and steps[1].by == "C01 学院联络员 张老师"
    closed = _step(sao, raised.id, to="answered", on=day, note="再答复")
    assert closed.status_code == 400 and "已办结" in closed.text
    moves = [e for e in audit_actions(service, "case.step") if e.object_id == str(raised.id)]
    assert [(e.detail["from"], e.detail["to"]) for e in moves] == [
        ("raised", "with_sao"),
        ("with_sao", "passed"),
        ("passed", "answered"),
        ("answered", "fed_back"),
    ]


def test_a_college_never_reaches_another_colleges_case(service: Service) -> None:
    theirs = a_case(service, "C02", "raised")
    client = service.client("c01")
    for case_id in (theirs.id, 999_999):
        assert client.get(f"/cases/{case_id}").status_code == 404
        response = post(client, "/cases", f"/cases/{case_id}/steps", {"to": "with_sao"})
        assert response.status_code == 404
    assert _case(service, theirs.id)[0].status == "raised"
    listed = client.get("/cases?status=all&college=C02")
    assert listed.status_code == 200 and f'href="/cases/{theirs.id}"' not in listed.text
    viewer = service.client("viewer")
    assert viewer.get(f"/cases/{theirs.id}").status_code == 200
    refused = post(viewer, "/cases", f"/cases/{theirs.id}/steps", {"to": "with_sao"})
    assert refused.status_code == 403


def test_the_sao_list_shows_ages_and_holders_oldest_first(service: Service) -> None:
    page = service.client("admin").get("/cases")
    assert page.status_code == 200
    with service.db.session() as db:
        open_cases = list(
            db.scalars(
                select(ProblemCase)
                .where(ProblemCase.status.in_(("raised", "with_sao", "passed")))
                .order_by(ProblemCase.raised_on, ProblemCase.id)
            )
        )
    assert open_cases
    assert f'尚未答复 <span class="badge">{len(open_cases)}</span>' in page.text
    table = page.text.split('id="table-cases"')[1]
    first, second = open_cases[0], open_cases[1]
    assert table.index(f'href="/cases/{first.id}"') < table.index(f'href="/cases/{second.id}"')
    age = (today() - first.raised_on).days
    row = table.split(f'href="/cases/{first.id}"')[2].split("</tr>")[0]
    assert f'<td class="num">{age}</td>' in row
    holders = {"raised": "学院", "with_sao": "学生处"}
    if first.status in holders:
        assert holders[first.status] in row
    else:
        assert first.office in row


def test_a_college_list_holds_its_own_cases_only(service: Service) -> None:
    page = service.client("c02").get("/cases?status=all")
    with service.db.session() as db:
        mine = set(db.scalars(select(ProblemCase.id).where(ProblemCase.college == "C02")))
        others = set(db.scalars(select(ProblemCase.id).where(ProblemCase.college != "C02")))
    shown = {int(part.split('"')[0]) for part in page.text.split('href="/cases/')[1:]}
    assert shown and shown <= mine and not shown & others
