"""The list's search reads a text index of titles (tracker.usecases.text_index) and matches
exactly what it matched before: a case-insensitive substring of the title or of a name, or the
reference. The SQLite index is kept by triggers, so it follows every write and every rollback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.dashboard.test_query_plans import captured, full_scans, plan
from tracker import synthetic
from tracker.auth.models import User
from tracker.extensions import db
from tracker.institutions.models import Category, Institution
from tracker.programmes.models import Cohort, Programme
from tracker.usecases import listing, text_index
from tracker.usecases.listing import REFERENCE_RE, ListFilters, keyset_page
from tracker.usecases.models import Stage, StageTransition, UseCase, use_case_partner
from tracker.usecases.permissions import visible_filter

TITLES = (
    "Scam call triage",
    "SCAM payee warnings",
    "Anti-scam coaching for tellers",
    "詐騙偵測系統",
    "偵測詐騙電話",
    "100% coverage of mule accounts",
    "under_score tool",
    "underXscore tool",
    "Path a/b testing",
    'Quote "smart" advisor',
    "École de données",
    "ÉCOLE DES DONNÉES",
    "Straße of KYC",
    "ab",
    "Chatbot for KYC",
    "Voice*cloning NEAR(detection)",
)

TERMS = (
    "scam",
    "SCAM",
    "Scam call",
    "sc",
    "a",
    "詐騙",
    "詐騙偵測",
    "偵",
    "100%",
    "%",
    "_",
    "under_score",
    "r_s",
    "a/b",
    "/",
    '"smart"',
    '"',
    "école",
    "ÉCOLE",
    "cole",
    "straße",
    "STRASSE",
    "kyc",
    "*cloning",
    "NEAR(",
    "kowloon",
    "AI LABS",
    "harbour",
    "fraud",
    "cohort 1",
    "gena.i.",
    "sandbox",
    "香港",
    "zzz",
    "UC-{first}",
    "uc{first}",
)


def old_condition(term: str) -> sa.ColumnElement[bool]:
    """The search as it was before the text index: the definition of what matches."""

    def named(model: Any) -> sa.ColumnElement[bool]:
        return sa.or_(
            model.name.icontains(term, autoescape=True),
            model.name_zh.icontains(term, autoescape=True),
        )

    institutions = sa.select(Institution.id).where(named(Institution))
    partner_ids = sa.select(use_case_partner.c.use_case_id).where(
        use_case_partner.c.institution_id.in_(institutions)
    )
    programmes = sa.select(Programme.id).where(named(Programme))
    cohorts = sa.select(Cohort.id).where(sa.or_(named(Cohort), Cohort.programme_id.in_(programmes)))
    categories = sa.select(Category.id).where(named(Category))
    options = [
        UseCase.title.icontains(term, autoescape=True),
        UseCase.institution_id.in_(institutions),
        UseCase.id.in_(partner_ids),
        UseCase.cohort_id.in_(cohorts),
        UseCase.category_id.in_(categories),
    ]
    reference = REFERENCE_RE.match(term)
    if reference:
        options.append(UseCase.id == int(reference.group(1)))
    return sa.or_(*options)


@pytest.fixture
def titled(world: World) -> list[UseCase]:
    """A use case for each title, across institutions, cohorts and stages; one with a partner,
    one in a programme named in Chinese."""
    world.programme.name_zh = "香港生成式人工智能沙盒"
    zh_bank = f.create_institution(world.hkma, name="Peak Bank", name_zh="山頂銀行")
    made = []
    for i, title in enumerate(TITLES):
        made.append(
            f.create_use_case(
                world.cohort if i % 3 else world.other_cohort,
                (world.bank, world.other_bank, zh_bank)[i % 3],
                world.category,
                stage=(Stage.SUBMITTED, Stage.DRAFT, Stage.PILOT, Stage.UNDER_REVIEW)[i % 4],
                partners=[world.partner] if i == 4 else None,
                title=title,
            )
        )
    db.session.commit()
    return made


def _terms(titled: list[UseCase]) -> list[str]:
    return [t.format(first=titled[0].id) for t in TERMS]


def _users(world: World) -> list[User]:
    return [world.admin, world.reviewer, world.ia_reviewer, world.bank_user, world.partner_user]


def _ids(user: User, condition: sa.ColumnElement[bool]) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(UseCase.id).where(visible_filter(user), condition).order_by(UseCase.id)
        )
    )


def test_search_matches_what_it_matched_before(world: World, titled: list[UseCase]) -> None:
    problems = []
    for term in _terms(titled):
        for user in _users(world):
            expected = _ids(user, old_condition(term))
            for indexed in (True, False):
                filters = ListFilters(q=term)
                got = _ids(user, sa.and_(*filters.conditions(indexed=indexed)))
                if got != expected:
                    problems.append(f"{term!r} {user.email} indexed={indexed}: {got} != {expected}")
    assert problems == []


@pytest.mark.parametrize("limit", [listing.SEARCH_COUNT_LIMIT, 2])
def test_the_list_shows_and_counts_what_it_did_before(
    world: World,
    titled: list[UseCase],
    monkeypatch: pytest.MonkeyPatch,
    limit: int,
) -> None:
    # With a low count limit the page is read the other way (in the sort's order, no index).
    monkeypatch.setattr(listing, "SEARCH_COUNT_LIMIT", limit)
    for term in _terms(titled):
        for user in _users(world):
            expected = list(
                db.session.scalars(
                    sa.select(UseCase.id)
                    .where(visible_filter(user), old_condition(term))
                    .order_by(UseCase.updated_at.desc(), UseCase.id.desc())
                )
            )
            page = keyset_page(user, ListFilters(q=term), per_page=100)
            assert [uc.id for uc in page.items] == expected, (term, user.email)
            assert page.total == min(len(expected), limit), (term, user.email)
            assert page.total_is_lower_bound == (len(expected) > limit), (term, user.email)


def test_searching_the_page_finds_titles_names_and_references(
    client: FlaskClient, world: World, titled: list[UseCase]
) -> None:
    login(client, world.admin)
    shown = client.get("/use-cases/?q=%E8%A9%90%E9%A8%99").get_data(as_text=True)  # 詐騙
    assert "詐騙偵測系統" in shown and "偵測詐騙電話" in shown and "Scam call" not in shown
    shown = client.get("/use-cases/?q=under_score").get_data(as_text=True)
    assert "under_score tool" in shown and "underXscore" not in shown
    shown = client.get(f"/use-cases/?q=UC-{titled[2].id:05d}").get_data(as_text=True)
    assert "Anti-scam coaching" in shown and "Scam call triage" not in shown


# --- the SQLite index follows the use cases ------------------------------------------------


def _indexed() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.text("SELECT rowid, title FROM use_case_search ORDER BY rowid")
    ).all()
    return [(r[0], r[1]) for r in rows]


def _titles() -> list[tuple[int, str]]:
    rows = db.session.execute(sa.select(UseCase.id, UseCase.title).order_by(UseCase.id)).all()
    return [(r[0], r[1]) for r in rows]


@pytest.fixture
def sqlite_index(tmp_path: Any) -> Iterator[None]:
    """A SQLite database of its own, whatever the session's database: the FTS5 table is
    SQLite's, and PostgreSQL's index (a GIN index on the column itself) needs no keeping."""
    from tests.conftest import make_app

    if not text_index.SQLITE_HAS_TRIGRAM:
        pytest.skip("this SQLite has no trigram tokenizer")
    app = make_app(f"sqlite:///{tmp_path / 'index.db'}")
    with app.app_context():
        db.create_all()
        yield
        db.session.remove()
        db.engine.dispose()


def _titled_here() -> tuple[Cohort, Institution, Category, list[UseCase]]:
    regulator = f.create_regulator("HKMA")
    cohort = f.create_cohort(f.create_programme(regulator, name="GenA.I. Sandbox"))
    bank = f.create_institution(regulator, name="Harbour Bank")
    category = f.create_category("Anti-fraud")
    made = [f.create_use_case(cohort, bank, category, title=title) for title in TITLES]
    db.session.commit()
    return cohort, bank, category, made


def _matches(term: str) -> list[int]:
    return list(
        db.session.scalars(
            sa.text("SELECT rowid FROM use_case_search WHERE use_case_search MATCH :q"),
            {"q": text_index.phrase(term)},
        )
    )


def test_the_index_follows_creates_edits_deletes_and_rollbacks(sqlite_index: None) -> None:
    cohort, bank, category, titled = _titled_here()
    assert _indexed() == _titles()
    use_case = titled[0]
    use_case.title = "Mule account detection"
    db.session.commit()
    assert _indexed() == _titles()
    assert _matches("mule account") == sorted([titled[5].id, use_case.id])
    assert _matches("scam call") == []

    # A rolled-back edit and a rolled-back new use case leave the index as it was.
    before = _indexed()
    use_case.title = "Rolled back"
    f.create_use_case(cohort, bank, category, title="Never kept")
    assert _matches("rolled back") == [use_case.id]  # seen inside the transaction
    db.session.rollback()
    assert _indexed() == before == _titles()
    assert _matches("rolled back") == [] and _matches("never kept") == []

    # A deleted use case leaves it.
    gone = titled[1].id
    db.session.execute(sa.delete(StageTransition).where(StageTransition.use_case_id == gone))
    db.session.execute(sa.delete(UseCase).where(UseCase.id == gone))
    db.session.commit()
    assert gone not in dict(_indexed())
    assert _indexed() == _titles()


def test_bulk_inserts_are_indexed(sqlite_index: None) -> None:
    synthetic.build_synthetic(30, seed=3)
    db.session.commit()
    assert len(_indexed()) >= 30
    assert _indexed() == _titles()


def test_the_migration_makes_the_index_and_fills_it(tmp_path: Any) -> None:
    """Migration 0022 on use cases already there: indexed, and kept from then on."""
    import flask_migrate

    from tests.conftest import make_app

    if not text_index.SQLITE_HAS_TRIGRAM:
        pytest.skip("this SQLite has no trigram tokenizer")
    app = make_app(f"sqlite:///{tmp_path / 'm.db'}")
    with app.app_context():
        flask_migrate.upgrade(revision="0020")
        with db.engine.begin() as conn:
            for statement in (
                "INSERT INTO regulator (id, code, name_en, active) VALUES (1, 'HKMA', 'H', 1)",
                "INSERT INTO programme (id, name, description, lead_regulator_id, sectors,"
                " active) VALUES (1, 'P', '', 1, '[]', 1)",
                "INSERT INTO cohort (id, programme_id, name, status, return_interval_days,"
                " created_at) VALUES (1, 1, 'C', 'piloting', 30, '2025-01-01 00:00:00')",
                "INSERT INTO institution (id, name, kind, regulator_id, active)"
                " VALUES (1, 'Bank', 'bank', 1, 1)",
                "INSERT INTO category (id, name, description, active) VALUES (1, 'Cat', '', 1)",
            ):
                conn.exec_driver_sql(statement)
            insert = sa.text(
                "INSERT INTO use_case (id, title, cohort_id, institution_id, category_id,"
                " summary, problem_statement, technique, data_used, personal_data, audience,"
                " safeguards, kpis, stage, stage_changed_at, created_at, updated_at, version)"
                " VALUES (:id, :title, 1, 1, 1, '', '', 'rag', '', false, 'internal', '', '',"
                " 'draft', '2025-01-01 00:00:00', '2025-01-01 00:00:00',"
                " '2025-01-01 00:00:00', 1)"
            )
            conn.execute(
                insert, [{"id": 1, "title": "Scam call triage"}, {"id": 2, "title": "Payee"}]
            )
        flask_migrate.upgrade()
        with db.engine.begin() as conn:
            conn.execute(insert, {"id": 3, "title": "Scam 3"})
            found = (
                conn.execute(
                    sa.text("SELECT rowid FROM use_case_search WHERE use_case_search MATCH :q"),
                    {"q": text_index.phrase("scam")},
                )
                .scalars()
                .all()
            )
        assert sorted(found) == [1, 3]
        flask_migrate.downgrade(revision="0020")
        assert not sa.inspect(db.engine).has_table(text_index.TABLE)
        db.engine.dispose()


# --- plans ---------------------------------------------------------------------------------


def test_the_search_reads_the_text_index(
    client: FlaskClient, world: World, titled: list[UseCase]
) -> None:
    login(client, world.reviewer)
    with captured() as statements:
        assert client.get("/use-cases/?q=payee").status_code == 200
    searches = [(s, p) for s, p in statements if "FROM use_case" in s and "LIKE" in s.upper()]
    assert len(searches) == 2  # the count and the page
    dialect = db.engine.dialect.name
    for statement, parameters in searches:
        lines = plan(statement, parameters)
        assert full_scans(lines) == [], lines
        if dialect == "sqlite" and text_index.SQLITE_HAS_TRIGRAM:
            assert any(f"{text_index.TABLE} VIRTUAL TABLE INDEX" in line for line in lines), lines
        elif dialect == "postgresql" and "count(*)" in statement:
            # With a handful of rows any index will do: with thousands more that do not match,
            # and their statistics, the planner finds the few from the titles' index.
            lines = pg_plan_among_many(statement, parameters, titled[0].id)
            assert any("ix_use_case_title_trgm" in line for line in lines), "\n".join(lines)


def pg_plan_among_many(statement: str, parameters: Any, template: int) -> list[str]:
    columns = ", ".join(c.name for c in UseCase.__table__.columns if c.name not in ("id", "title"))
    with db.engine.connect() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO use_case (title, {columns}) SELECT 'Filler ' || g, {columns}"  # noqa: S608
            " FROM use_case CROSS JOIN generate_series(1, 5000) AS g WHERE id = %(id)s",
            {"id": template},
        )
        # What VACUUM would do: the new rows go from GIN's pending list into the index proper.
        conn.exec_driver_sql("SELECT gin_clean_pending_list('ix_use_case_title_trgm')")
        conn.exec_driver_sql("ANALYZE use_case")
        # As in test_query_plans: a full scan is priced out, so what is left is the index that
        # serves the query best.
        conn.exec_driver_sql("SET enable_seqscan = off")
        rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
        conn.rollback()
    return [str(r) for r in rows]


def test_the_names_a_term_may_match_are_read_from_trigrams_on_postgresql(
    client: FlaskClient, world: World, titled: list[UseCase]
) -> None:
    login(client, world.reviewer)
    with captured() as statements:
        assert client.get("/use-cases/?q=harbour").status_code == 200
    named = [(s, p) for s, p in statements if "FROM institution" in s and "UNION ALL" in s]
    assert len(named) == 1
    catalogue = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t",
        "postgresql": "SELECT indexname FROM pg_indexes WHERE tablename = :t",
    }[db.engine.dialect.name]
    indexes = set(db.session.execute(sa.text(catalogue), {"t": "institution"}).scalars())
    if db.engine.dialect.name != "postgresql":
        # No trigram index of names on SQLite: its few thousand names are read as before.
        assert "ix_institution_name_trgm" not in indexes
        return
    assert {"ix_institution_name_trgm", "ix_institution_name_zh_trgm"} <= indexes
    statement, parameters = named[0]
    with db.engine.connect() as conn:
        # Thousands of institutions the term does not name, with their statistics.
        conn.exec_driver_sql(
            "INSERT INTO institution (name, name_zh, kind, regulator_id, active)"
            " SELECT 'Filler ' || g, '填充' || g, kind, regulator_id, active"
            " FROM institution CROSS JOIN generate_series(1, 3000) AS g WHERE id = %(id)s",
            {"id": world.bank.id},
        )
        for index in ("ix_institution_name_trgm", "ix_institution_name_zh_trgm"):
            conn.exec_driver_sql(f"SELECT gin_clean_pending_list('{index}')")
        conn.exec_driver_sql("ANALYZE institution")
        conn.exec_driver_sql("SET enable_seqscan = off")
        lines = [str(r) for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars()]
        conn.rollback()
    assert any("ix_institution_name_trgm" in line for line in lines), "\n".join(lines)
    assert any("ix_institution_name_zh_trgm" in line for line in lines), "\n".join(lines)


def test_a_short_term_reads_the_titles_as_before(
    client: FlaskClient, world: World, titled: list[UseCase]
) -> None:
    login(client, world.reviewer)
    with captured() as statements:
        assert client.get("/use-cases/?q=ab").status_code == 200
    assert not any(text_index.TABLE in s for s, _ in statements)
