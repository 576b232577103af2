"""A text index for the use-case list's search of titles: on PostgreSQL a pg_trgm GIN index on
use_case.title (which ``title ILIKE '%term%'`` reads); on SQLite an FTS5 table of titles with the
trigram tokenizer, kept by triggers on use_case and filled here from the use cases. SQLite older
than 3.34 has no trigram tokenizer: there the search reads the titles as before.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 19:30:00.000000

"""
import sqlite3

from alembic import op


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

# As tracker.usecases.text_index makes them for a schema built from the models.
SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE use_case_search USING fts5(title, tokenize='trigram')",
    "CREATE TRIGGER use_case_search_insert AFTER INSERT ON use_case BEGIN"
    " INSERT INTO use_case_search (rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER use_case_search_update AFTER UPDATE OF id, title ON use_case BEGIN"
    " DELETE FROM use_case_search WHERE rowid = old.id;"
    " INSERT INTO use_case_search (rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER use_case_search_delete AFTER DELETE ON use_case BEGIN"
    " DELETE FROM use_case_search WHERE rowid = old.id; END",
    "INSERT INTO use_case_search (rowid, title) SELECT id, title FROM use_case",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS use_case_search_delete",
    "DROP TRIGGER IF EXISTS use_case_search_update",
    "DROP TRIGGER IF EXISTS use_case_search_insert",
    "DROP TABLE IF EXISTS use_case_search",
)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.create_index(
            'ix_use_case_title_trgm',
            'use_case',
            ['title'],
            unique=False,
            postgresql_using='gin',
            postgresql_ops={'title': 'gin_trgm_ops'},
        )
    elif dialect == 'sqlite' and sqlite3.sqlite_version_info >= (3, 34, 0):
        for statement in SQLITE_CREATE:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        # The extension stays: other objects may have come to need it.
        op.drop_index('ix_use_case_title_trgm', table_name='use_case')
    elif dialect == 'sqlite':
        for statement in SQLITE_DROP:
            op.execute(statement)
