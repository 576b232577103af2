"""Incidents are resolved on a date, by someone, with a note

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 02:56:48.410605

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('resolution', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('resolved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_incident_resolved_by_id_user_account'), 'user_account', ['resolved_by_id'], ['id'])
    # Incidents already marked resolved had no date: the end of the period of the return that
    # reported them is the latest date the record supports.
    op.execute(
        "UPDATE incident SET resolved_on = (SELECT period_end FROM progress_return"
        " WHERE progress_return.id = incident.return_id) WHERE resolved"
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.alter_column('resolution', server_default=None)
        batch_op.drop_column('resolved')


def downgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE incident SET resolved = (resolved_on IS NOT NULL)")
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.alter_column('resolved', server_default=None)
        batch_op.drop_constraint(batch_op.f('fk_incident_resolved_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('resolved_by_id')
        batch_op.drop_column('resolution')
        batch_op.drop_column('resolved_on')
