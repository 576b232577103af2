"""The language of each report request and issued report (English or Traditional Chinese).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # Every report issued so far was written in English.
    with op.batch_alter_table('report_request', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('language', sa.String(length=16), nullable=False, server_default='en')
        )
    with op.batch_alter_table('issued_report', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('language', sa.String(length=16), nullable=False, server_default='en')
        )


def downgrade():
    with op.batch_alter_table('issued_report', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('report_request', schema=None) as batch_op:
        batch_op.drop_column('language')
