"""Each administration command enforces its rules and permission on its own, without any form:
what the API, the CLI or a job would call."""

from __future__ import annotations

from datetime import date

import pytest

from tests import factories as f
from tests.conftest import World
from tracker import events
from tracker.auth import services as auth_services
from tracker.auth.models import Role
from tracker.extensions import db
from tracker.organisations import services as organisations
from tracker.organisations.models import InstitutionKind
from tracker.programmes import services as programmes
from tracker.programmes.models import DEFAULT_CRITERIA, CohortStatus
from tracker.rules import NotAllowedError, RuleError
from tracker.usecases.models import Review, ReviewScore, Stage


def _refusal(call) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError) as caught:
        call()
    db.session.rollback()
    return caught.value.errors


def _recorded() -> list[events.Event]:
    return list(events.pending(db.session()))


def _cohort_data(world: World, **overrides: object) -> programmes.CohortData:
    values: dict[str, object] = {
        "programme_id": world.programme.id,
        "name": "Cohort 2",
        "applications_open_on": date(2026, 1, 1),
        "applications_close_on": date(2026, 3, 1),
        "selection_on": date(2026, 4, 1),
        "pilot_starts_on": date(2026, 5, 1),
        "pilot_ends_on": date(2026, 11, 1),
        "status": CohortStatus.PLANNING,
        "return_interval_days": 30,
    }
    values.update(overrides)
    return programmes.CohortData(**values)  # type: ignore[arg-type]


# Organisations ------------------------------------------------------------------------------


def test_regulator_codes_are_unique_ignoring_case(world: World) -> None:
    data = organisations.RegulatorInput(code="hkma", name_en="Another")
    errors = _refusal(lambda: organisations.save_regulator(world.admin, None, data))
    assert errors == {"code": ["Another regulator already uses this code."]}


def test_only_administrators_save_regulators(world: World) -> None:
    data = organisations.RegulatorInput(code="MPFA", name_en="MPF Schemes Authority")
    with pytest.raises(NotAllowedError):
        organisations.save_regulator(world.reviewer, None, data)


def test_saving_a_regulator_records_the_change(world: World) -> None:
    data = organisations.RegulatorInput(code=" mpfa ", name_en="MPF Schemes Authority")
    regulator = organisations.save_regulator(world.admin, None, data)
    assert regulator.code == "MPFA"
    assert (
        events.RecordChanged(
            actor_id=world.admin.id, kind="regulator", record_id=regulator.id, change="create"
        )
        in _recorded()
    )


def test_a_supervised_institution_needs_a_regulator(world: World) -> None:
    data = organisations.InstitutionInput(
        name="New Bank", kind=InstitutionKind.BANK, regulator_id=None
    )
    errors = _refusal(lambda: organisations.save_institution(world.admin, None, data))
    assert errors == {
        "regulator_id": [
            "Choose the supervising regulator: only technology partners may have none."
        ]
    }


def test_category_names_are_unique_and_staff_may_keep_categories(world: World) -> None:
    duplicate = organisations.CategoryInput(name="ANTI-FRAUD")
    errors = _refusal(lambda: organisations.save_category(world.reviewer, None, duplicate))
    assert errors == {"name": ["Another category already has this name."]}
    with pytest.raises(NotAllowedError):
        organisations.save_category(world.supervisor, None, organisations.CategoryInput("AML"))


def test_deactivating_needs_the_area(world: World) -> None:
    with pytest.raises(NotAllowedError):
        organisations.set_active(world.reviewer, world.bank, False)
    organisations.set_active(world.admin, world.bank, False)
    assert world.bank.active is False
    assert _recorded()[-1] == events.RecordChanged(
        actor_id=world.admin.id, kind="institution", record_id=world.bank.id, change="deactivate"
    )


# Programmes and cohorts ---------------------------------------------------------------------


def test_a_programme_cannot_end_before_it_starts_or_have_no_sector(world: World) -> None:
    data = programmes.ProgrammeData(
        name="New Sandbox",
        name_zh=None,
        description="",
        lead_regulator_id=world.hkma.id,
        participant_ids=[],
        sectors=[],
        starts_on=date(2026, 3, 5),
        ends_on=date(2026, 3, 4),
    )
    errors = _refusal(lambda: programmes.save_programme(world.admin, None, data))
    assert errors == {
        "sectors": ["Choose at least one sector."],
        "ends_on": ["The end date cannot be before the start."],
    }


def test_only_administrators_deactivate_programmes(world: World) -> None:
    with pytest.raises(NotAllowedError):
        programmes.set_programme_active(world.reviewer, world.programme, False)


def test_cohort_dates_and_interval_are_checked(world: World) -> None:
    data = _cohort_data(
        world,
        applications_close_on=date(2025, 12, 1),
        pilot_ends_on=date(2026, 4, 1),
        return_interval_days=0,
    )
    errors = _refusal(lambda: programmes.create_cohort(world.admin, data))
    assert errors == {
        "applications_close_on": ["Applications cannot close before they open."],
        "pilot_ends_on": ["Pilots cannot end before they start."],
        "return_interval_days": ["Enter a number of days from 1 to 366."],
    }


def test_cohort_names_are_unique_within_the_programme(world: World) -> None:
    errors = _refusal(
        lambda: programmes.create_cohort(world.admin, _cohort_data(world, name="cohort 1"))
    )
    assert errors == {"name": ["This programme already has a cohort with this name."]}


def test_staff_create_cohorts_only_in_their_remit_and_in_active_programmes(world: World) -> None:
    outside = _cohort_data(world, programme_id=world.other_programme.id)
    with pytest.raises(NotAllowedError):
        programmes.create_cohort(world.reviewer, outside)
    world.programme.active = False
    errors = _refusal(lambda: programmes.create_cohort(world.reviewer, _cohort_data(world)))
    assert errors == {"programme_id": ["This programme is inactive: reactivate it first."]}


def test_creating_a_cohort_gives_default_criteria_and_records_the_change(world: World) -> None:
    cohort = programmes.create_cohort(world.reviewer, _cohort_data(world))
    assert [c.name for c in cohort.criteria] == list(DEFAULT_CRITERIA)
    assert (
        events.RecordChanged(
            actor_id=world.reviewer.id, kind="cohort", record_id=cohort.id, change="create"
        )
        in _recorded()
    )


def _edit(world: World, criteria: list[str], **overrides: object) -> None:
    cohort = world.cohort
    data = _cohort_data(
        world,
        name=cohort.name,
        applications_open_on=cohort.applications_open_on,
        applications_close_on=cohort.applications_close_on,
        selection_on=None,
        pilot_starts_on=None,
        pilot_ends_on=None,
        status=cohort.status,
        **overrides,
    )
    programmes.update_cohort(world.admin, cohort, data, criteria)


def test_a_scored_criterion_is_never_removed(world: World) -> None:
    use_case = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW)
    review = Review(use_case_id=use_case.id, reviewer_id=world.reviewer.id)
    db.session.add(review)
    db.session.flush()
    innovation = next(c for c in world.cohort.criteria if c.name == "Innovation")
    db.session.add(ReviewScore(review_id=review.id, criterion_id=innovation.id, score=4))
    db.session.commit()
    errors = _refusal(lambda: _edit(world, list(DEFAULT_CRITERIA[1:])))
    assert errors == {
        "criteria_text": [
            "Reviewers have already scored proposals against “Innovation” (1 scores). Those "
            "scores would lose their criterion, so keep it in the list."
        ]
    }


def test_criteria_are_listed_once_each(world: World) -> None:
    errors = _refusal(lambda: _edit(world, ["Innovation", "innovation"]))
    assert errors == {"criteria_text": ["“innovation” is listed twice."]}
    errors = _refusal(lambda: _edit(world, ["  "]))
    assert errors == {"criteria_text": ["List at least one criterion."]}


def test_a_cohort_with_proposals_says_so_and_stays(world: World) -> None:
    f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    errors = _refusal(
        lambda: _edit(world, list(DEFAULT_CRITERIA), programme_id=world.other_programme.id)
    )
    assert errors == {
        "programme_id": [
            "This cohort holds 2 proposals, so it stays in its programme: their reviews and "
            "history belong to it."
        ]
    }


def test_a_cohort_with_only_drafts_never_names_them(world: World) -> None:
    f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.DRAFT)
    db.session.commit()
    errors = _refusal(
        lambda: _edit(world, list(DEFAULT_CRITERIA), programme_id=world.other_programme.id)
    )
    (message,) = errors["programme_id"]
    assert "draft" not in message.lower()
    assert message.startswith("Institutions may be preparing proposals in this cohort")


def test_participating_staff_cannot_move_a_cohort_out_of_the_programme(world: World) -> None:
    sfc_programme = f.create_programme(world.sfc, [world.hkma], name="Securities Sandbox")
    data = _cohort_data(world, programme_id=sfc_programme.id, name=world.cohort.name)
    with pytest.raises(NotAllowedError):
        programmes.update_cohort(world.sfc_reviewer, world.cohort, data, list(DEFAULT_CRITERIA))


def test_staff_outside_the_programme_cannot_close_its_cohort(world: World) -> None:
    with pytest.raises(NotAllowedError):
        programmes.close_cohort(world.ia_reviewer, world.cohort)
    programmes.close_cohort(world.reviewer, world.cohort)
    assert world.cohort.status is CohortStatus.CLOSED
    assert _recorded()[-1].describe()["action"] == "cohort.deactivate"


# Accounts -----------------------------------------------------------------------------------


def _create(world: World, **overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "email": "new.person@example.com",
        "name": "New Person",
        "password": "maple-orbit-lantern",
        "role": Role.INSTITUTION,
        "institution_id": world.bank.id,
        "actor": world.admin,
    }
    values.update(overrides)
    return auth_services.create_user(**values)  # type: ignore[arg-type]


def test_an_account_gets_the_organisation_its_role_needs(world: World) -> None:
    errors = _refusal(lambda: _create(world, role=Role.SUPERVISOR, institution_id=None))
    assert errors == {"regulator_id": ["Choose the regulator this person works for."]}
    user = _create(world, role=Role.ADMIN, regulator_id=world.hkma.id)
    assert (user.regulator_id, user.institution_id) == (None, None)


def test_account_emails_are_valid_and_unique(world: World) -> None:
    errors = _refusal(lambda: _create(world, email="BANK@example.com"))
    assert errors == {"email": ["Another account already uses this email address."]}
    errors = _refusal(lambda: _create(world, email="not-an-email"))
    assert errors == {"email": ["Enter a valid email address."]}


def test_only_administrators_create_accounts(world: World) -> None:
    with pytest.raises(NotAllowedError):
        _create(world, actor=world.reviewer)


def test_new_accounts_follow_the_password_policy(world: World) -> None:
    errors = _refusal(lambda: _create(world, password="aaaaaaaaaaaa"))
    assert list(errors) == ["password"]
    errors = _refusal(lambda: _create(world, password="new-person-2026!"))
    assert errors == {"password": ["Do not use your name or e-mail address in the password."]}


def test_an_administrator_keeps_their_own_role_and_account(world: World) -> None:
    data = auth_services.AccountData(
        email=world.admin.email, name="Admin", role=Role.SUPERVISOR, regulator_id=world.hkma.id
    )
    errors = _refusal(lambda: auth_services.update_user(world.admin, world.admin, data, None))
    assert errors == {"role": ["You cannot remove your own administrator role."]}
    errors = _refusal(lambda: auth_services.set_user_active(world.admin, world.admin, False))
    assert errors == {"__all__": ["You cannot deactivate your own account."]}


def test_a_new_password_set_by_an_administrator_follows_the_policy(world: World) -> None:
    user = world.bank_user
    data = auth_services.AccountData(
        email=user.email, name=user.name, role=user.role, institution_id=user.institution_id
    )
    errors = _refusal(lambda: auth_services.update_user(world.admin, user, data, "password1234"))
    assert list(errors) == ["new_password"]
    version = user.session_version
    auth_services.update_user(world.admin, user, data, "maple-orbit-lantern")
    assert user.session_version == version + 1


def test_changing_ones_own_password_checks_the_current_one_then_the_policy(world: World) -> None:
    user = world.reviewer
    errors = _refusal(lambda: auth_services.change_password(user, "wrong", "maple-orbit-lantern"))
    assert errors == {"current_password": ["The current password is not correct."]}
    errors = _refusal(lambda: auth_services.change_password(user, f.PASSWORD, "qwertyuiop12"))
    assert list(errors) == ["new_password"]
