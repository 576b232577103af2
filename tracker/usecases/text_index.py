"""The text index the use-case list's search reads for titles.

On PostgreSQL it is a pg_trgm GIN index on ``use_case.title`` (declared on the model), which
``title ILIKE '%term%'`` uses for terms of three characters or more. On SQLite it is an FTS5
table of titles with the ``trigram`` tokenizer (SQLite 3.34 and later), kept by triggers on
``use_case`` so that every write, the ORM's and bulk inserts alike, keeps it right. The index
only finds candidates: the list still tests each one with the same ``icontains`` as before, so
what matches does not change. Terms shorter than a trigram match as before, without the index.

The table and its triggers are made by migration 0022 and, for a schema built from the models
(``create_all``, as the tests do), by the listeners ``attach`` adds to the use-case table. A
later migration that rebuilds ``use_case`` on SQLite (``batch_alter_table``) drops the triggers
with the old table and must make them again (tests/dashboard/test_text_search.py checks that a
use case inserted after the last migration is indexed).
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlalchemy as sa

TABLE = "use_case_search"
# The FTS5 trigram tokenizer arrived in SQLite 3.34.0; with an older library there is no index
# and search reads the titles as before.
SQLITE_HAS_TRIGRAM = sqlite3.sqlite_version_info >= (3, 34, 0)
# A trigram index cannot find anything shorter than a trigram.
MIN_LENGTH = 3

# The FTS5 table, its fill from the use cases and the triggers that keep it. A changed title
# (or id) replaces the row; a deleted use case takes its row with it.
SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE use_case_search USING fts5(title, tokenize='trigram')",
    "CREATE TRIGGER use_case_search_insert AFTER INSERT ON use_case BEGIN"
    " INSERT INTO use_case_search (rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER use_case_search_update AFTER UPDATE OF id, title ON use_case BEGIN"
    " DELETE FROM use_case_search WHERE rowid = old.id;"
    " INSERT INTO use_case_search (rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER use_case_search_delete AFTER DELETE ON use_case BEGIN"
    " DELETE FROM use_case_search WHERE rowid = old.id; END",
)
SQLITE_FILL = "INSERT INTO use_case_search (rowid, title) SELECT id, title FROM use_case"
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS use_case_search_delete",
    "DROP TRIGGER IF EXISTS use_case_search_update",
    "DROP TRIGGER IF EXISTS use_case_search_insert",
    "DROP TABLE IF EXISTS use_case_search",
)

# The FTS5 table as the queries see it (not part of the models' metadata: ``create_all`` cannot
# make a virtual table, and the migrations' comparison with the models leaves it out).
_fts = sa.table(TABLE, sa.column("rowid", sa.Integer))


def create_sqlite(conn: sa.Connection, *, fill: bool) -> None:
    """The FTS5 table and its triggers; ``fill`` indexes the use cases already there."""
    if not SQLITE_HAS_TRIGRAM:
        return
    for statement in SQLITE_CREATE:
        conn.exec_driver_sql(statement)
    if fill:
        conn.exec_driver_sql(SQLITE_FILL)


def ensure(conn: sa.Connection) -> bool:
    """Make the index where a schema built before it lacks it (the benchmarks' cached data
    sets): on SQLite the FTS5 table, filled, and its triggers; on PostgreSQL the extension the
    GIN index needs (the index itself is the models'). Whether anything was made."""
    if conn.dialect.name == "postgresql":
        installed = conn.exec_driver_sql(
            "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"
        ).scalar()
        if not installed:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        return not installed
    if conn.dialect.name != "sqlite" or not SQLITE_HAS_TRIGRAM:
        return False
    if sa.inspect(conn).has_table(TABLE):
        return False
    drop_sqlite(conn)  # triggers left without their table
    create_sqlite(conn, fill=True)
    return True


def drop_sqlite(conn: sa.Connection) -> None:
    for statement in SQLITE_DROP:
        conn.exec_driver_sql(statement)


def attach(table: sa.Table) -> None:
    """Make (and drop) the SQLite index with the use-case table when the schema is built from
    the models; on PostgreSQL, make sure the extension the GIN index needs is there first."""

    def before_create(target: sa.Table, connection: sa.Connection, **_kw: Any) -> None:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    def after_create(target: sa.Table, connection: sa.Connection, **_kw: Any) -> None:
        if connection.dialect.name == "sqlite":
            create_sqlite(connection, fill=False)

    def before_drop(target: sa.Table, connection: sa.Connection, **_kw: Any) -> None:
        if connection.dialect.name == "sqlite":
            drop_sqlite(connection)

    sa.event.listen(table, "before_create", before_create)
    sa.event.listen(table, "after_create", after_create)
    sa.event.listen(table, "before_drop", before_drop)


def phrase(term: str) -> str:
    """An FTS5 query for ``term`` as one phrase: with the trigram tokenizer, the rows whose
    title contains it, case folded. Quotes inside are doubled, so nothing in it is syntax."""
    return '"' + term.replace('"', '""') + '"'


def sqlite_finds(dialect: str, term: str) -> bool:
    """Whether the SQLite index can find the titles containing ``term``."""
    return dialect == "sqlite" and SQLITE_HAS_TRIGRAM and len(term) >= MIN_LENGTH


def title_candidates(dialect: str, id_column: Any, term: str) -> sa.ColumnElement[bool] | None:
    """A condition on the use-case id that holds for (at least) every use case whose title
    contains ``term``, read from the SQLite index; None where that index cannot help (another
    database, an old SQLite, a term shorter than a trigram)."""
    if not sqlite_finds(dialect, term):
        return None
    found = sa.select(_fts.c.rowid).where(
        sa.literal_column(TABLE).op("MATCH")(sa.bindparam(None, phrase(term), type_=sa.String))
    )
    condition: sa.ColumnElement[bool] = id_column.in_(found)
    return condition


# Indexes the models declare for PostgreSQL only (``Index.ddl_if``): the GIN indexes of titles
# and of institutions' names.
POSTGRESQL_ONLY_INDEXES = frozenset(
    {"ix_use_case_title_trgm", "ix_institution_name_trgm", "ix_institution_name_zh_trgm"}
)


def schema_filters(dialect: str) -> dict[str, Any]:
    """Options for Alembic's comparison of the models with a database of ``dialect``: the FTS5
    table and the shadow tables SQLite keeps for it are made by hand, not declared; and an index
    declared for PostgreSQL only is not missing elsewhere."""

    def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
        return not (type_ == "table" and name is not None and name.startswith(TABLE))

    def include_object(
        _obj: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any
    ) -> bool:
        return not (
            type_ == "index" and name in POSTGRESQL_ONLY_INDEXES and dialect != "postgresql"
        )

    return {"include_name": include_name, "include_object": include_object}
