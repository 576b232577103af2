"""The kept per-institution counts (``institution_use_case_count``) stay equal to a recount of
the use cases and partnerships whatever the commands do, and the institution list that reads
them shows what counting the use cases shows, a page at a time."""

from __future__ import annotations

import random
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.dashboard.conftest import Cases
from tests.dashboard.test_figures import _step
from tracker.extensions import db
from tracker.organisations.models import Institution
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import institution_figures, workspace
from tracker.usecases.institution_figures import InstitutionCount
from tracker.usecases.models import Stage, UseCase
from tracker.usecases.permissions import visible_filter


def kept() -> dict[tuple[Any, ...], int]:
    rows = db.session.execute(
        sa.select(
            *(getattr(InstitutionCount, k) for k in institution_figures.KEY), InstitutionCount.n
        )
    )
    return {tuple(row[:-1]): row[-1] for row in rows}


def recounted() -> dict[tuple[Any, ...], int]:
    rows = db.session.execute(institution_figures.recount())
    return {(r[0], r[1], bool(r[2]), r[3]): r[4] for r in rows}


def assert_in_step() -> None:
    db.session.expire_all()
    # No row at zero or below: a row's presence means "takes part".
    assert kept() == recounted()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_random_sequence_of_commands_keeps_the_counts_equal_to_a_recount(
    world: World, seed: int
) -> None:
    rng = random.Random(seed)
    other = f.create_category("Customer service")
    partners = [world.partner, world.other_bank, world.bank]
    with unit_of_work():
        cases = [
            f.create_use_case(
                rng.choice([world.cohort, world.other_cohort]),
                rng.choice([world.bank, world.other_bank]),
                rng.choice([world.category, other]),
                stage=stage,
            )
            for stage in (Stage.DRAFT, Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.SELECTED)
        ]
    assert_in_step()
    done = 0
    for _ in range(60):
        try:
            with unit_of_work():
                roll = rng.random()
                use_case = rng.choice(cases)
                if roll < 0.2:
                    # Partners named or dropped, as an edit stores them.
                    use_case.partners = rng.sample(partners, rng.randint(0, 2))
                elif roll < 0.25:
                    use_case.institution_id = rng.choice([world.bank.id, world.other_bank.id])
                elif roll < 0.28 and len(cases) > 2:
                    db.session.delete(use_case)
                else:
                    _step(rng, world, cases)
                if rng.random() < 0.3:
                    db.session.flush()  # several flushes in one unit of work
                    if rng.random() < 0.5:
                        rng.choice(cases).partners = rng.sample(partners, 1)
                if rng.random() < 0.1:
                    raise RuntimeError("the command failed after its changes")
            done += 1
        except (RuleError, NotAllowedError, ConflictError, RuntimeError) as exc:
            print("refused", type(exc).__name__, exc)  # seen with -s
        # A use case added by a step that was rolled back is gone again.
        cases[:] = [uc for uc in cases if sa.inspect(uc).persistent]
        assert_in_step()
    assert done > 30
    assert any(not lead for (_i, _c, lead, _s) in kept())
    assert sum(n for (_i, _c, lead, _s), n in kept().items() if lead) == db.session.scalar(
        sa.select(sa.func.count(UseCase.id)).where(UseCase.proposals())
    )


def test_rebuild_recounts_and_the_command_says_so(app: Any, world: World, cases: Cases) -> None:
    expected = kept()
    assert expected
    db.session.execute(sa.delete(InstitutionCount))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["rebuild-figures"])
    assert result.exit_code == 0, result.output
    assert f"institution_use_case_count: {len(expected)} rows" in result.output
    assert_in_step()
    assert kept() == expected


def _visible_counted(user: Any) -> set[int]:
    """The institutions the regulator side may see, counted from the use cases."""
    leads = sa.select(UseCase.institution_id).where(visible_filter(user))
    partners = (
        sa.select(sa.literal_column("use_case_partner.institution_id"))
        .select_from(
            UseCase.__table__.join(
                sa.table("use_case_partner", sa.column("use_case_id"), sa.column("institution_id")),
                sa.text("use_case_partner.use_case_id = use_case.id"),
            )
        )
        .where(visible_filter(user))
    )
    supervised = sa.select(Institution.id).where(Institution.regulator_id == user.regulator_id)
    return set(db.session.scalars(sa.union(leads, partners, supervised)))


def test_visibility_and_figures_from_the_counts_equal_those_from_the_use_cases(
    world: World, cases: Cases
) -> None:
    rng = random.Random(5)
    lonely = f.create_institution(world.ia, name="Peak Insurance")
    for _ in range(20):
        uc = f.create_use_case(
            rng.choice([world.cohort, world.other_cohort]),
            rng.choice([world.bank, world.other_bank, lonely]),
            world.category,
            stage=rng.choice(list(Stage)),
        )
        uc.partners = rng.sample([world.partner, world.other_bank], rng.randint(0, 2))
    db.session.commit()
    for user in (world.reviewer, world.ia_reviewer):
        shown = set(
            db.session.scalars(workspace.institution_select(user).with_only_columns(Institution.id))
        )
        assert shown == _visible_counted(user)
        ids = sorted(shown)
        from_counts = workspace.institution_figures(user, ids)
        for iid in ids:
            leads = dict(
                db.session.execute(
                    sa.select(UseCase.stage, sa.func.count())
                    .where(visible_filter(user), UseCase.institution_id == iid)
                    .group_by(UseCase.stage)
                ).all()
            )
            assert from_counts[iid].leads == leads
            partnered = sum(
                1
                for uc in db.session.scalars(sa.select(UseCase).where(visible_filter(user)))
                if any(p.id == iid for p in uc.partners)
            )
            assert from_counts[iid].partners_on == partnered


def test_the_list_pages_with_a_cursor_and_says_where_the_reader_is(
    client: FlaskClient, world: World, cases: Cases, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(7):
        f.create_institution(world.hkma, name=f"Zed Bank {n}")
    db.session.commit()
    monkeypatch.setitem(app.config, "TRACKER_PAGE_SIZE", 3)
    login(client, world.reviewer)
    names = [i.name for i in db.session.scalars(workspace.institution_select(world.reviewer))]
    assert len(names) > 6
    seen: list[str] = []
    html = client.get("/institutions/").get_data(as_text=True)
    assert f"1–3 of {len(names)}" in html
    page = workspace.institution_page(world.reviewer, per_page=3)
    seen += [i.name for i in page.items]
    while page.next_after:
        page = workspace.institution_page(
            world.reviewer, per_page=3, after=page.next_after, start=page.last + 1
        )
        assert page.first == len(seen) + 1
        seen += [i.name for i in page.items]
    assert seen == names
    # Back from the last page: the rows before it, in order, and the position.
    back = workspace.institution_page(
        world.reviewer, per_page=3, before=page.items[0].id, start=page.first
    )
    assert [i.name for i in back.items] == names[page.first - 4 : page.first - 1]
    assert back.first == page.first - 3
    first_page = workspace.institution_page(world.reviewer, per_page=3)
    html = client.get(f"/institutions/?after={first_page.next_after}&start=4").get_data(
        as_text=True
    )
    assert "First" in html and "Previous" in html and "4–6 of" in html
    # A cursor naming an institution the analyst may not see shows the first page.
    hidden = f.create_institution(world.ia, name="Peak Insurance")
    db.session.commit()
    assert workspace.institution_page(world.reviewer, per_page=3, after=hidden.id).is_first


def test_synthetic_data_comes_with_its_counts(app: Any) -> None:
    """The bench's data is built by bulk inserts; the counts are recounted after them."""
    from tests.conftest import clear_tables
    from tracker.synthetic import build_synthetic

    clear_tables()
    build_synthetic(200, seed=3)
    db.session.commit()
    assert kept()
    assert_in_step()
