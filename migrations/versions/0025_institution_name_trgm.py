"""Trigram indexes of institutions' names on PostgreSQL, which the use-case search's read of
the institutions a term names (``name ILIKE '%term%'``) uses instead of reading every
institution. SQLite has no such index: its few thousand names are read as before.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 20:30:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

INDEXES = {'ix_institution_name_trgm': 'name', 'ix_institution_name_zh_trgm': 'name_zh'}


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for name, column in INDEXES.items():
        op.create_index(
            name,
            'institution',
            [column],
            postgresql_using='gin',
            postgresql_ops={column: 'gin_trgm_ops'},
        )


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name in INDEXES:
        op.drop_index(name, table_name='institution')
