"""Regulators, programmes, institutions and categories: create, edit, deactivate, validation."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World
from tracker.extensions import db
from tracker.institutions.models import Category, Institution, InstitutionKind
from tracker.programmes.models import Programme, Regulator


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def error_beside(html: str, field_id: str) -> str:
    """The error text shown under a field (the ``field`` macro's ``<id>-error`` element)."""
    marker = f'id="{field_id}-error" class="invalid-feedback d-block">'
    assert marker in html, f"no error shown beside {field_id}"
    start = html.index(marker) + len(marker)
    return html[start : html.index("</div>", start)]


# Regulators ---------------------------------------------------------------------------------


def test_create_regulator(admin_client: FlaskClient, world: World) -> None:
    response = admin_client.post(
        "/admin/regulators/new",
        data={
            "code": " mpfa ",
            "name_en": "Mandatory Provident Fund Schemes Authority",
            "name_zh": "強制性公積金計劃管理局",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/regulators/"
    mpfa = db.session.scalar(sa.select(Regulator).where(Regulator.code == "MPFA"))
    assert mpfa is not None
    assert mpfa.name_zh == "強制性公積金計劃管理局"
    assert mpfa.active
    page = admin_client.get("/admin/regulators/").get_data(as_text=True)
    assert "Mandatory Provident Fund Schemes Authority" in page


def test_duplicate_regulator_code_is_shown_beside_the_field(
    admin_client: FlaskClient, world: World
) -> None:
    before = _count(Regulator)
    response = admin_client.post(
        "/admin/regulators/new", data={"code": "hkma", "name_en": "Another Monetary Authority"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_beside(html, "code") == "Another regulator already uses this code."
    assert 'value="Another Monetary Authority"' in html
    assert _count(Regulator) == before


def test_edit_regulator_keeps_its_own_code(admin_client: FlaskClient, world: World) -> None:
    response = admin_client.post(
        f"/admin/regulators/{world.sfc.id}/edit",
        data={"code": "SFC", "name_en": "Securities and Futures Commission (HK)", "name_zh": ""},
    )
    assert response.status_code == 302
    db.session.refresh(world.sfc)
    assert world.sfc.name_en == "Securities and Futures Commission (HK)"
    assert world.sfc.name_zh is None


def test_edit_form_is_prefilled(admin_client: FlaskClient, world: World) -> None:
    html = admin_client.get(f"/admin/regulators/{world.hkma.id}/edit").get_data(as_text=True)
    assert 'value="HKMA"' in html
    assert 'value="香港金融管理局"' in html
    assert "<h1" in html and "Edit regulator: HKMA" in html


def test_deactivate_and_reactivate_regulator(
    admin_client: FlaskClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = admin_client.post(f"/admin/regulators/{world.ia.id}/deactivate")
    assert response.status_code == 302
    db.session.refresh(world.ia)
    assert world.ia.active is False
    # One structured line for the command: who did what to which record.
    assert any(
        getattr(r, "action", None) == "regulator.deactivate"
        and getattr(r, "actor", None) == world.admin.id
        and getattr(r, "object", None) == f"regulator:{world.ia.id}"
        and getattr(r, "outcome", None) == "ok"
        for r in caplog.records
    )
    page = admin_client.get("/admin/regulators/").get_data(as_text=True)
    assert "Inactive" in page
    assert f"/admin/regulators/{world.ia.id}/reactivate" in page

    admin_client.post(f"/admin/regulators/{world.ia.id}/reactivate")
    db.session.refresh(world.ia)
    assert world.ia.active is True


def test_inactive_regulator_is_offered_only_where_already_chosen(
    admin_client: FlaskClient, world: World
) -> None:
    admin_client.post(f"/admin/regulators/{world.ia.id}/deactivate")
    new_form = admin_client.get("/admin/programmes/new").get_data(as_text=True)
    assert "Insurance Authority" not in new_form
    # The IA leads the other programme: its edit form still shows (and keeps) the IA.
    edit_form = admin_client.get(f"/admin/programmes/{world.other_programme.id}/edit")
    assert "IA — Insurance Authority (inactive)" in edit_form.get_data(as_text=True)


# Programmes ---------------------------------------------------------------------------------


def _programme_data(world: World, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "GenA.I. Sandbox++",
        "name_zh": "生成式人工智能沙盒++",
        "description": "Joint sandbox across banking, securities, insurance and MPF.",
        "lead_regulator_id": str(world.hkma.id),
        "participant_ids": [str(world.sfc.id), str(world.ia.id)],
        "sectors": ["banking", "securities", "insurance"],
        "starts_on": "2026-03-05",
        "ends_on": "2027-03-04",
    }
    data.update(overrides)
    return data


def test_create_programme(admin_client: FlaskClient, world: World) -> None:
    response = admin_client.post("/admin/programmes/new", data=_programme_data(world))
    assert response.status_code == 302
    programme = db.session.scalar(sa.select(Programme).where(Programme.name == "GenA.I. Sandbox++"))
    assert programme is not None
    assert programme.lead_regulator_id == world.hkma.id
    assert [r.code for r in programme.participants] == ["IA", "SFC"]
    assert programme.sectors == ["banking", "securities", "insurance"]
    assert str(programme.starts_on) == "2026-03-05"
    assert programme.regulator_ids == {world.hkma.id, world.sfc.id, world.ia.id}


def test_lead_regulator_is_not_also_a_participant(admin_client: FlaskClient, world: World) -> None:
    data = _programme_data(world, participant_ids=[str(world.hkma.id), str(world.sfc.id)])
    assert admin_client.post("/admin/programmes/new", data=data).status_code == 302
    programme = db.session.scalar(sa.select(Programme).where(Programme.name == "GenA.I. Sandbox++"))
    assert programme is not None
    assert [r.code for r in programme.participants] == ["SFC"]


def test_programme_end_before_start_is_refused(admin_client: FlaskClient, world: World) -> None:
    before = _count(Programme)
    data = _programme_data(world, starts_on="2026-03-05", ends_on="2026-03-04")
    response = admin_client.post("/admin/programmes/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_beside(html, "ends_on") == "The end date cannot be before the start."
    assert 'value="2026-03-04"' in html
    assert 'value="GenA.I. Sandbox++"' in html
    assert _count(Programme) == before


def test_programme_needs_a_sector_and_a_lead(admin_client: FlaskClient, world: World) -> None:
    data = _programme_data(world, sectors=[], lead_regulator_id="")
    html = admin_client.post("/admin/programmes/new", data=data).get_data(as_text=True)
    assert error_beside(html, "sectors") == "Choose at least one sector."
    assert error_beside(html, "lead_regulator_id") == "Choose the lead regulator."


def test_duplicate_programme_name_ignores_case(admin_client: FlaskClient, world: World) -> None:
    data = _programme_data(world, name="genA.I. SANDBOX")
    html = admin_client.post("/admin/programmes/new", data=data).get_data(as_text=True)
    assert error_beside(html, "name") == "Another programme already has this name."


def test_edit_programme(admin_client: FlaskClient, world: World) -> None:
    form = admin_client.get(f"/admin/programmes/{world.programme.id}/edit").get_data(as_text=True)
    sfc_box = f'name="participant_ids" type="checkbox" value="{world.sfc.id}"'
    assert f'checked class="form-check-input" id="participant_ids-2" {sfc_box}' in form
    data = _programme_data(world, name="GenA.I. Sandbox", participant_ids=[], sectors=["banking"])
    response = admin_client.post(f"/admin/programmes/{world.programme.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    programme = db.session.get_one(Programme, world.programme.id)
    assert programme.participants == []
    assert programme.description.startswith("Joint sandbox")


def test_deactivate_programme_keeps_its_cohorts(admin_client: FlaskClient, world: World) -> None:
    admin_client.post(f"/admin/programmes/{world.programme.id}/deactivate")
    db.session.expire_all()
    programme = db.session.get_one(Programme, world.programme.id)
    assert programme.active is False
    assert [c.name for c in programme.cohorts] == ["Cohort 1"]


# Institutions -------------------------------------------------------------------------------


def test_create_institution(admin_client: FlaskClient, world: World) -> None:
    response = admin_client.post(
        "/admin/institutions/new",
        data={
            "name": "Victoria Harbour Insurance",
            "name_zh": "維港保險",
            "kind": "insurer",
            "regulator_id": str(world.ia.id),
        },
    )
    assert response.status_code == 302
    insurer = db.session.scalar(
        sa.select(Institution).where(Institution.name == "Victoria Harbour Insurance")
    )
    assert insurer is not None
    assert insurer.kind is InstitutionKind.INSURER
    assert insurer.regulator_id == world.ia.id


def test_supervised_institution_needs_a_regulator(admin_client: FlaskClient, world: World) -> None:
    before = _count(Institution)
    response = admin_client.post(
        "/admin/institutions/new", data={"name": "Peak Bank", "kind": "bank", "regulator_id": ""}
    )
    html = response.get_data(as_text=True)
    assert error_beside(html, "regulator_id").startswith("Choose the supervising regulator")
    assert 'value="Peak Bank"' in html
    assert _count(Institution) == before


def test_technology_partner_needs_no_regulator(admin_client: FlaskClient, world: World) -> None:
    response = admin_client.post(
        "/admin/institutions/new",
        data={"name": "Cyberport Cloud Labs", "kind": "tech_partner", "regulator_id": ""},
    )
    assert response.status_code == 302
    partner = db.session.scalar(
        sa.select(Institution).where(Institution.name == "Cyberport Cloud Labs")
    )
    assert partner is not None
    assert partner.regulator_id is None


def test_duplicate_institution_name(admin_client: FlaskClient, world: World) -> None:
    html = admin_client.post(
        "/admin/institutions/new",
        data={"name": "harbour bank", "kind": "bank", "regulator_id": str(world.hkma.id)},
    ).get_data(as_text=True)
    assert error_beside(html, "name") == "Another institution already has this name."


def test_edit_and_deactivate_institution(admin_client: FlaskClient, world: World) -> None:
    response = admin_client.post(
        f"/admin/institutions/{world.bank.id}/edit",
        data={
            "name": "Harbour Bank",
            "name_zh": "海港銀行",
            "kind": "bank",
            "regulator_id": str(world.hkma.id),
        },
    )
    assert response.status_code == 302
    admin_client.post(f"/admin/institutions/{world.bank.id}/deactivate")
    db.session.refresh(world.bank)
    assert world.bank.name_zh == "海港銀行"
    assert world.bank.active is False
    # Its users and their history are untouched.
    db.session.refresh(world.bank_user)
    assert world.bank_user.institution_id == world.bank.id


# Categories (regulator staff may manage them too) -------------------------------------------


def test_regulator_staff_manage_categories(reviewer_client: FlaskClient, world: World) -> None:
    response = reviewer_client.post(
        "/admin/categories/new",
        data={"name": "AI versus AI", "name_zh": "以AI對抗AI", "description": "Deepfake scams."},
    )
    assert response.status_code == 302
    category = db.session.scalar(sa.select(Category).where(Category.name == "AI versus AI"))
    assert category is not None

    response = reviewer_client.post(
        f"/admin/categories/{category.id}/edit",
        data={"name": "AI versus AI", "name_zh": "", "description": "Deepfake and voice scams."},
    )
    assert response.status_code == 302
    reviewer_client.post(f"/admin/categories/{category.id}/deactivate")
    db.session.refresh(category)
    assert category.description == "Deepfake and voice scams."
    assert category.name_zh is None
    assert category.active is False


def test_duplicate_category_name(reviewer_client: FlaskClient, world: World) -> None:
    before = _count(Category)
    html = reviewer_client.post(
        "/admin/categories/new", data={"name": "ANTI-FRAUD", "description": "Again"}
    ).get_data(as_text=True)
    assert error_beside(html, "name") == "Another category already has this name."
    assert "Again</textarea>" in html
    assert _count(Category) == before


def test_required_name_is_reported(admin_client: FlaskClient, world: World) -> None:
    html = admin_client.post("/admin/categories/new", data={"name": "  "}).get_data(as_text=True)
    assert error_beside(html, "name") == "Enter a name."
    assert "Nothing has been saved yet." in html


def test_lists_show_inactive_records(admin_client: FlaskClient, world: World) -> None:
    f.create_category("Customer experience", active=False)
    db.session.commit()
    html = admin_client.get("/admin/categories/").get_data(as_text=True)
    assert "Customer experience" in html
    assert ">Inactive<" in html
    assert 'data-confirm="Deactivate the category “Anti-fraud”?' in html


def test_a_rival_save_between_check_and_commit_is_reported_not_a_500(
    admin_client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if another request took the name after this one's validation ran.
    monkeypatch.setattr("tracker.organisations.services.is_taken", lambda *a, **k: False)
    before = _count(Category)
    response = admin_client.post(
        "/admin/categories/new", data={"name": "Anti-fraud", "description": "Typed text"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_beside(html, "name").startswith("Another record was saved with this value")
    assert "Typed text</textarea>" in html
    assert _count(Category) == before

    response = admin_client.post(
        f"/admin/regulators/{world.sfc.id}/edit", data={"code": "HKMA", "name_en": "Clash"}
    )
    assert response.status_code == 200
    assert "Edit regulator: SFC" in response.get_data(as_text=True)
    db.session.refresh(world.sfc)
    assert (world.sfc.code, world.sfc.name_en) == ("SFC", "Securities and Futures Commission")
