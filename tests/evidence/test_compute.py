"""The compute ledger: tranches allocated, hours used per period, use beyond the allocation
only with a reason, the ledger as at a past date, its pages and the programme's totals."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.evidence.conftest import selected_case
from tracker.compute import queries, services
from tracker.compute.models import ComputeUsage
from tracker.extensions import db
from tracker.rules import NotAllowedError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases.models import HistoryIsAppendOnlyError, ProgressReturn, Rag, Stage

TODAY = datetime(2026, 3, 31, 2, 0)


def _allocate(world: World, uc, hours: int, on: date = date(2026, 1, 5)) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work():
        services.allocate(uc, world.reviewer, on, hours, "Tranche")


def _use(world: World, uc, start: date, end: date, hours: int, reason: str = "") -> None:  # type: ignore[no-untyped-def]
    with unit_of_work():
        services.report_usage(
            uc, world.bank_user, services.UsageData(start, end, hours, over_use_reason=reason)
        )


@pytest.fixture
def pilot(world: World, freeze_time):  # type: ignore[no-untyped-def]
    freeze_time(TODAY)
    return selected_case(world, gpu_hours=3000, pilot_started_on=date(2026, 1, 5))


def test_allocated_and_used_add_up(world: World, pilot) -> None:  # type: ignore[no-untyped-def]
    _allocate(world, pilot, 1000)
    _allocate(world, pilot, 500, date(2026, 2, 1))
    _use(world, pilot, date(2026, 1, 5), date(2026, 1, 31), 600)
    _use(world, pilot, date(2026, 2, 1), date(2026, 2, 28), 700)
    ledger = queries.ledger(pilot)
    assert (ledger.requested, ledger.allocated, ledger.used, ledger.remaining) == (
        3000,
        1500,
        1300,
        200,
    )
    assert [u.used_to_date for u in ledger.usage] == [600, 1300]


def test_use_beyond_the_allocation_needs_a_reason(world: World, pilot) -> None:  # type: ignore[no-untyped-def]
    _allocate(world, pilot, 1000)
    _use(world, pilot, date(2026, 1, 5), date(2026, 1, 31), 900)
    with pytest.raises(RuleError) as caught:
        _use(world, pilot, date(2026, 2, 1), date(2026, 2, 28), 200)
    assert caught.value.errors["over_use_reason"] == [
        "This brings the hours used to 1,100, beyond the 1,000 allocated: give the reason."
    ]
    assert db.session.scalar(db.select(db.func.count()).select_from(ComputeUsage)) == 1
    _use(world, pilot, date(2026, 2, 1), date(2026, 2, 28), 200, "Re-training after drift.")
    ledger = queries.ledger(pilot)
    assert ledger.remaining == -100
    assert ledger.usage[-1].over_use_reason == "Re-training after drift."


@pytest.mark.parametrize(
    ("start", "end", "hours", "field"),
    [
        (date(2026, 1, 20), date(2026, 2, 10), 10, "period_start"),  # overlaps the first
        (date(2026, 2, 10), date(2026, 2, 1), 10, "period_end"),
        (date(2026, 2, 1), date(2026, 4, 30), 10, "period_end"),  # ends in the future
        (date(2026, 2, 1), date(2026, 2, 28), -5, "hours_used"),
        (date(2026, 2, 1), date(2026, 2, 28), None, "hours_used"),
        (None, date(2026, 2, 28), 5, "period_start"),
    ],
)
def test_bad_periods_and_hours_are_refused(  # type: ignore[no-untyped-def]
    world: World, pilot, start, end, hours, field
) -> None:
    _allocate(world, pilot, 1000)
    _use(world, pilot, date(2026, 1, 5), date(2026, 1, 31), 10)
    with pytest.raises(RuleError) as caught:
        _use(world, pilot, start, end, hours)
    assert field in caught.value.errors


def test_a_return_linked_must_be_of_the_use_case(world: World, pilot) -> None:  # type: ignore[no-untyped-def]
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
    _allocate(world, pilot, 100)
    with pytest.raises(RuleError) as caught:
        services.report_usage(
            pilot,
            world.bank_user,
            services.UsageData(date(2026, 1, 5), date(2026, 1, 31), 5, return_id=theirs.id),
        )
    assert "return_id" in caught.value.errors


@pytest.mark.parametrize(
    ("hours", "on", "field"),
    [
        (0, date(2026, 1, 5), "hours"),
        (None, date(2026, 1, 5), "hours"),
        (10, date(2026, 4, 1), "granted_on"),
        (10, None, "granted_on"),
    ],
)
def test_bad_tranches_are_refused(world: World, pilot, hours, on, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError) as caught:
        services.allocate(pilot, world.reviewer, on, hours)
    assert field in caught.value.errors


def test_who_allocates_and_who_reports(world: World, pilot) -> None:  # type: ignore[no-untyped-def]
    for user in (world.bank_user, world.partner_user, world.supervisor, world.ia_reviewer):
        with pytest.raises(NotAllowedError):
            services.allocate(pilot, user, date(2026, 1, 5), 10)
    for user in (world.reviewer, world.partner_user, world.supervisor, world.other_bank_user):
        with pytest.raises(NotAllowedError):
            services.report_usage(
                pilot, user, services.UsageData(date(2026, 1, 5), date(2026, 1, 6), 1, None, "x")
            )
    selected = selected_case(world, stage=Stage.SELECTED)
    services.allocate(selected, world.sfc_reviewer, date(2026, 1, 5), 10)
    with pytest.raises(NotAllowedError):
        services.report_usage(
            selected, world.bank_user, services.UsageData(date(2026, 1, 5), date(2026, 1, 6), 1)
        )
    review = selected_case(world, stage=Stage.UNDER_REVIEW)
    with pytest.raises(NotAllowedError):
        services.allocate(review, world.reviewer, date(2026, 1, 5), 10)


def test_the_ledger_as_at_a_past_date_and_rows_never_change(  # type: ignore[no-untyped-def]
    world: World, pilot, freeze_time
) -> None:
    freeze_time(datetime(2026, 1, 6, 2, 0))
    _allocate(world, pilot, 1000)
    freeze_time(datetime(2026, 2, 2, 2, 0))
    _use(world, pilot, date(2026, 1, 5), date(2026, 1, 31), 400)
    freeze_time(TODAY)
    _allocate(world, pilot, 800, date(2026, 3, 1))
    then = queries.ledger(pilot, datetime(2026, 1, 20))
    assert (then.allocated, then.used) == (1000, 0)
    later = queries.ledger(pilot, datetime(2026, 2, 20))
    assert (later.allocated, later.used) == (1000, 400)
    assert queries.ledger(pilot).allocated == 1800
    usage = db.session.scalars(db.select(ComputeUsage)).one()
    usage.hours_used = 1
    with pytest.raises(HistoryIsAppendOnlyError):
        db.session.flush()
    db.session.rollback()


def test_the_use_case_report_shows_allocated_against_used(  # type: ignore[no-untyped-def]
    world: World, pilot, tmp_path, freeze_time
) -> None:
    from tests.reports.conftest import pdf_text
    from tests.reports.test_layout import FONT, IMPRINT
    from tracker.reports import data, layout

    _allocate(world, pilot, 1000)
    _use(world, pilot, date(2026, 1, 5), date(2026, 1, 31), 1200, "Extra fine-tuning run.")
    freeze_time(TODAY.replace(hour=3))
    report = data.use_case_report(pilot, data.AsAt.for_day(None, "Asia/Hong_Kong"))
    assert report.compute is not None and report.compute.used == 1200
    text = pdf_text(layout.render(report, IMPRINT, cjk_font=FONT), tmp_path)
    assert "Compute" in text and "1,200 (120% of allocated)" in text
    assert "200 beyond the allocation" in text and "Extra fine-tuning run." in text


# ---------------------------------------------------------------- pages


def test_the_forms_keep_what_was_typed_and_record(client: FlaskClient, world: World, pilot) -> None:  # type: ignore[no-untyped-def]
    login(client, world.reviewer)
    url = f"/use-cases/{pilot.id}/compute"
    bad = client.post(
        f"{url}/allocations",
        data={"granted_on": "2026-01-05", "hours": "0", "note": "first tranche"},
    )
    assert bad.status_code == 400
    assert "from 1 to" in bad.get_data(as_text=True) and "first tranche" in bad.get_data(
        as_text=True
    )
    ok = client.post(f"{url}/allocations", data={"granted_on": "2026-01-05", "hours": "100"})
    assert ok.status_code == 302
    assert "100" in client.get(url).get_data(as_text=True)


def test_the_institution_reports_use_on_its_own_form(
    client: FlaskClient, world: World, pilot
) -> None:  # type: ignore[no-untyped-def]
    _allocate(world, pilot, 100)
    login(client, world.bank_user)
    url = f"/use-cases/{pilot.id}/compute"
    page = client.get(url).get_data(as_text=True)
    assert "Report GPU hours used" in page and "Allocate a tranche" not in page
    form = {
        "period_start": "2026-01-05",
        "period_end": "2026-01-31",
        "hours_used": "150",
        "return_id": "",
    }
    refused = client.post(f"{url}/usage", data=form)
    assert refused.status_code == 400
    assert "give the reason" in refused.get_data(as_text=True)
    assert 'value="150"' in refused.get_data(as_text=True)
    form["over_use_reason"] = "Second evaluation round."
    assert client.post(f"{url}/usage", data=form).status_code == 302
    assert "Beyond allocation" in client.get(url).get_data(as_text=True)


# Who may open or post to each compute route: the lead bank, another bank, the partner named on
# the use case, regulator staff of the programme (HKMA, SFC), another programme's regulator (IA)
# and the HKMA's supervisor.
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
    #                                             bank other prtn hkma  sfc   ia  super
    ("GET",  "/use-cases/{uc}/compute"):             (200, 404, 200, 200, 200, 404, 200),
    ("POST", "/use-cases/{uc}/compute/allocations"): (403, 404, 403, 302, 302, 404, 403),
    ("POST", "/use-cases/{uc}/compute/usage"):       (302, 404, 403, 403, 403, 404, 403),
    ("GET",  "/programmes/{programme}/compute"):     (403, 403, 403, 200, 200, 404, 200),
    ("GET",  "/programmes/{other}/compute"):         (403, 403, 403, 404, 404, 200, 404),
    ("GET",  "/programmes/9999/compute"):            (404, 404, 404, 404, 404, 404, 404),
}
# fmt: on
CASES = [
    (method, path, user, status)
    for (method, path), row in ACCESS.items()
    for user, status in zip(USERS, row, strict=True)
]
BODIES = {
    "/use-cases/{uc}/compute/allocations": {"granted_on": "2026-01-05", "hours": "10"},
    "/use-cases/{uc}/compute/usage": {
        "period_start": "2026-01-05",
        "period_end": "2026-01-31",
        "hours_used": "5",
        "over_use_reason": "No allocation yet.",
    },
}


@pytest.mark.parametrize(("method", "path", "user", "status"), CASES)
def test_access(  # type: ignore[no-untyped-def]
    client: FlaskClient, world: World, pilot, method: str, path: str, user: str, status: int
) -> None:
    url = path.format(uc=pilot.id, programme=world.programme.id, other=world.other_programme.id)
    login(client, getattr(world, user))
    response = client.get(url) if method == "GET" else client.post(url, data=BODIES[path])
    assert response.status_code == status, response.get_data(as_text=True)[:400]


def test_programme_totals_by_cohort_and_category_in_constant_queries(  # type: ignore[no-untyped-def]
    client: FlaskClient, world: World, pilot
) -> None:
    from tests.usecases.test_query_counts import count_queries

    _allocate(world, pilot, 1000)
    _use(world, pilot, date(2026, 1, 5), date(2026, 1, 31), 250)
    login(client, world.reviewer)
    url = f"/programmes/{world.programme.id}/compute"
    with count_queries() as few:
        page = client.get(url)
    assert page.status_code == 200
    cohort2 = f.create_cohort(world.programme, name="Cohort 2")
    other_category = f.create_category("Customer experience")
    for n in range(4):
        uc = f.create_use_case(
            cohort2, world.other_bank, other_category, stage=Stage.PILOT, gpu_hours=100
        )
        db.session.commit()
        _allocate(world, uc, 100 + n)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
    totals = queries.programme_totals(world.programme)
    assert [(r.label, r.use_cases, r.allocated, r.used) for r in totals.by_cohort] == [
        ("Cohort 1", 1, 1000, 250),
        ("Cohort 2", 4, 406, 0),
    ]
    assert [(r.label, r.allocated) for r in totals.by_category] == [
        ("Anti-fraud", 1000),
        ("Customer experience", 406),
    ]
    assert (totals.total.requested, totals.total.allocated) == (3400, 1406)
