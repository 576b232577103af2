"""The lessons register: regulator staff record, institutions propose for their own use case,
the search across cohorts, and the programme report's "Lessons and good practice"."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.evidence.conftest import selected_case
from tracker.extensions import db
from tracker.lessons import queries, services
from tracker.lessons.models import Lesson, LessonStatus, Theme
from tracker.lessons.queries import LessonFilters, lessons_for_use_case, search_select
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases.models import ProgressReturn, Rag, Stage, Technique


def _lesson(world: World, uc, user=None, **overrides) -> Lesson:  # type: ignore[no-untyped-def]
    values = {
        "title": "Fine-tune small models on case files",
        "text": "A 7B model fine-tuned on past investigation reports matched a much larger one.",
        "themes": (Theme.FINE_TUNING, Theme.EVALUATION),
    }
    values.update(overrides)
    with unit_of_work():
        lesson = services.add_lesson(uc, user or world.reviewer, services.LessonData(**values))
    return lesson


def test_regulator_records_and_institution_proposes(world: World) -> None:
    uc = selected_case(world)
    recorded = _lesson(world, uc)
    proposed = _lesson(world, uc, world.bank_user, title="Name data owners early")
    assert recorded.status is LessonStatus.RECORDED and recorded.recorded_by_id == world.reviewer.id
    assert proposed.status is LessonStatus.PROPOSED and proposed.recorded_at is None
    assert [v.title for v in lessons_for_use_case(uc.id)] == [recorded.title]
    assert len(lessons_for_use_case(uc.id, include_proposed=True)) == 2
    with pytest.raises(ConflictError):
        services.record_proposed(proposed, uc, world.reviewer, proposed.version + 1)
    with pytest.raises(NotAllowedError):
        services.record_proposed(proposed, uc, world.bank_user, proposed.version)
    with unit_of_work():
        services.record_proposed(proposed, uc, world.sfc_reviewer, proposed.version)
    assert proposed.recorded_by_id == world.sfc_reviewer.id
    assert len(lessons_for_use_case(uc.id)) == 2
    with pytest.raises(RuleError, match="already recorded"):
        services.record_proposed(proposed, uc, world.reviewer, proposed.version)


def test_bad_lessons_are_refused_with_every_message(world: World) -> None:
    uc = selected_case(world)
    other = selected_case(world)
    theirs = ProgressReturn(
        use_case_id=other.id,
        period_start=date(2026, 1, 5),
        period_end=date(2026, 1, 31),
        rag=Rag.GREEN,
        narrative="n",
        attested_by_name="A",
        attested_by_title="CRO",
    )
    db.session.add(theirs)
    db.session.commit()
    with pytest.raises(RuleError) as caught:
        services.add_lesson(
            uc, world.reviewer, services.LessonData(" ", "", (), return_id=theirs.id)
        )
    assert set(caught.value.errors) == {"title", "text", "themes", "return_id"}


def test_who_may_add_lessons(world: World) -> None:
    uc = selected_case(world)
    review = selected_case(world, stage=Stage.UNDER_REVIEW)
    for user in (world.partner_user, world.supervisor, world.ia_reviewer, world.other_bank_user):
        with pytest.raises(NotAllowedError):
            _lesson(world, uc, user)
    with pytest.raises(NotAllowedError):  # not selected: the institution has no lessons yet
        _lesson(world, review, world.bank_user)
    assert _lesson(world, review).status is LessonStatus.RECORDED  # a review teaches too


def test_search_across_cohorts_by_tag_category_technique_and_text(world: World) -> None:
    cohort2 = f.create_cohort(world.programme, name="Cohort 2")
    experience = f.create_category("Customer experience")
    first = selected_case(world, technique=Technique.FINE_TUNING)
    second = f.create_use_case(
        cohort2, world.other_bank, experience, stage=Stage.PILOT, technique=Technique.RAG
    )
    insurance = f.create_use_case(
        world.other_cohort, world.other_bank, experience, stage=Stage.PILOT
    )
    db.session.commit()
    _lesson(world, first)
    _lesson(
        world,
        second,
        title="Ground answers in the policy library",
        text="Citations to 100% of answers cut complaints.",
        themes=(Theme.GUARDRAILS, Theme.CUSTOMER_OUTCOMES),
    )
    _lesson(
        world,
        insurance,
        world.ia_reviewer,
        title="Insurance lesson 50%_off",
        themes=(Theme.GUARDRAILS,),
    )
    _lesson(world, first, world.bank_user, title="Proposed guardrail", themes=(Theme.GUARDRAILS,))

    def titles(user, **kw) -> list[str]:  # type: ignore[no-untyped-def]
        rows = db.session.scalars(search_select(user, LessonFilters(**kw))).unique()
        return sorted(lesson.title for lesson in rows)

    assert titles(world.reviewer) == [
        "Fine-tune small models on case files",
        "Ground answers in the policy library",
    ]
    assert titles(world.reviewer, theme=Theme.GUARDRAILS) == [
        "Ground answers in the policy library"
    ]
    assert titles(world.reviewer, theme=Theme.GUARDRAILS, include_proposed=True) == [
        "Ground answers in the policy library",
        "Proposed guardrail",
    ]
    assert titles(world.reviewer, category_id=experience.id) == [
        "Ground answers in the policy library"
    ]
    assert titles(world.reviewer, technique=Technique.FINE_TUNING) == [
        "Fine-tune small models on case files"
    ]
    assert titles(world.reviewer, cohort_id=cohort2.id) == ["Ground answers in the policy library"]
    assert titles(world.reviewer, q="100%") == ["Ground answers in the policy library"]
    assert titles(world.reviewer, q="LARGER ONE") == ["Fine-tune small models on case files"]
    assert titles(world.ia_reviewer, q="50%_") == ["Insurance lesson 50%_off"]
    assert titles(world.supervisor) == titles(world.reviewer)


def test_the_programme_report_has_lessons_and_good_practice_as_at_its_date(  # type: ignore[no-untyped-def]
    world: World, freeze_time, tmp_path
) -> None:
    from tests.reports.conftest import pdf_text
    from tests.reports.test_layout import FONT, IMPRINT
    from tracker.reports import data, layout

    freeze_time(datetime(2026, 2, 1, 2, 0))
    uc = selected_case(world)
    _lesson(world, uc, title="Earlier lesson on fine-tuning")
    freeze_time(datetime(2026, 3, 1, 2, 0))
    _lesson(world, uc, title="Later lesson on guardrails", themes=(Theme.GUARDRAILS,))
    _lesson(world, uc, world.bank_user, title="Proposal only", themes=(Theme.DATA,))
    freeze_time(datetime(2026, 3, 5, 2, 0))
    then = data.programme_report(
        world.programme, data.AsAt.for_day(date(2026, 2, 10), "Asia/Hong_Kong")
    )
    assert [lesson.title for lesson in then.lessons] == ["Earlier lesson on fine-tuning"]
    now = data.programme_report(world.programme, data.AsAt.for_day(None, "Asia/Hong_Kong"))
    text = pdf_text(layout.render(now, IMPRINT, cjk_font=FONT), tmp_path)
    assert "Lessons and good practice" in text
    assert "Later lesson on guardrails" in text and "Earlier lesson on fine-tuning" in text
    assert "Proposal only" not in text


# ---------------------------------------------------------------- pages


def test_pages_record_propose_and_search(client: FlaskClient, world: World) -> None:
    uc = selected_case(world)
    login(client, world.bank_user)
    refused = client.post(
        f"/use-cases/{uc.id}/lessons", data={"title": "Keep me", "text": "", "return_id": ""}
    )
    assert refused.status_code == 400 and 'value="Keep me"' in refused.get_data(as_text=True)
    ok = client.post(
        f"/use-cases/{uc.id}/lessons", data={"title": "Keep me", "text": "Text", "themes": ["data"]}
    )
    assert ok.status_code == 302
    assert "Proposed, not yet recorded" in client.get(f"/use-cases/{uc.id}/lessons").get_data(
        as_text=True
    )


def test_the_regulator_records_a_proposal_on_the_page(client: FlaskClient, world: World) -> None:
    uc = selected_case(world)
    proposed = _lesson(world, uc, world.bank_user)
    login(client, world.reviewer)
    url = f"/use-cases/{uc.id}/lessons/{proposed.id}/record"
    assert client.post(url, data={"version": "7"}).status_code == 409
    assert client.post(url, data={"version": str(proposed.version)}).status_code == 302
    page = client.get("/lessons/?theme=fine_tuning").get_data(as_text=True)
    assert proposed.title in page


def test_search_pages_bounded_queries(client: FlaskClient, world: World) -> None:
    from tests.usecases.test_query_counts import count_queries

    uc = selected_case(world)
    _lesson(world, uc)
    login(client, world.reviewer)
    with count_queries() as few:
        assert client.get("/lessons/").status_code == 200
    for n in range(6):
        other = selected_case(world)
        _lesson(world, other, title=f"Lesson {n}")
    with count_queries() as many:
        assert client.get("/lessons/").status_code == 200
    assert len(many) == len(few)
    with count_queries() as one_case:
        assert client.get(f"/use-cases/{uc.id}/lessons").status_code == 200
    for n in range(4):
        _lesson(world, uc, title=f"More {n}")
    with count_queries() as more:
        assert client.get(f"/use-cases/{uc.id}/lessons").status_code == 200
    assert len(more) == len(one_case)


USERS = (
    "bank_user",
    "other_bank_user",
    "partner_user",
    "reviewer",
    "sfc_reviewer",
    "ia_reviewer",
    "supervisor",
)
# fmt: off
ACCESS: dict[tuple[str, str], tuple[int, ...]] = {
    #                                                  bank other prtn hkma  sfc   ia  super
    ("GET",  "/use-cases/{uc}/lessons"):                  (200, 404, 200, 200, 200, 404, 200),
    ("POST", "/use-cases/{uc}/lessons"):                  (302, 404, 403, 302, 302, 404, 403),
    ("POST", "/use-cases/{uc}/lessons/{lesson}/record"):  (403, 404, 403, 302, 302, 404, 403),
    ("POST", "/use-cases/{uc}/lessons/9999/record"):      (404, 404, 404, 404, 404, 404, 404),
    ("GET",  "/lessons/"):                                (403, 403, 403, 200, 200, 200, 200),
}
# fmt: on
CASES = [
    (method, path, user, status)
    for (method, path), row in ACCESS.items()
    for user, status in zip(USERS, row, strict=True)
]


@pytest.mark.parametrize(("method", "path", "user", "status"), CASES)
def test_access(  # type: ignore[no-untyped-def]
    client: FlaskClient, world: World, method: str, path: str, user: str, status: int
) -> None:
    uc = selected_case(world)
    proposed = _lesson(world, uc, world.bank_user)
    url = path.format(uc=uc.id, lesson=proposed.id)
    login(client, getattr(world, user))
    body = (
        {"version": str(proposed.version)}
        if path.endswith("record")
        else {"title": "T", "text": "X", "themes": ["data"]}
    )
    response = client.get(url) if method == "GET" else client.post(url, data=body)
    assert response.status_code == status, response.get_data(as_text=True)[:400]


def test_partners_see_recorded_lessons_only(client: FlaskClient, world: World) -> None:
    uc = selected_case(world)
    _lesson(world, uc, title="Recorded one")
    _lesson(world, uc, world.bank_user, title="Proposed one")
    login(client, world.partner_user)
    page = client.get(f"/use-cases/{uc.id}/lessons").get_data(as_text=True)
    assert "Recorded one" in page and "Proposed one" not in page
    assert queries.lessons_for_use_case(uc.id, include_proposed=False)[0].title == "Recorded one"


@pytest.mark.parametrize(
    "path",
    [
        "/use-cases/{uc}/evidence",
        "/use-cases/{uc}/evidence/new",
        "/use-cases/{uc}/compute",
        "/programmes/{programme}/compute",
        "/use-cases/{uc}/lessons",
        "/lessons/",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(
    client: FlaskClient, world: World, path: str
) -> None:
    uc = selected_case(world)
    response = client.get(path.format(uc=uc.id, programme=world.programme.id))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
