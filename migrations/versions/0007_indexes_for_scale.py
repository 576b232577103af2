"""Indexes for each page's filter and sort, figures kept on the use case, saved filters

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('use_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('selected_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_return_end', sa.Date(), nullable=True))

    # Backfill from the history the new columns summarise.
    op.execute(
        "UPDATE use_case SET selected_at = (SELECT min(t.at) FROM stage_transition t"
        " WHERE t.use_case_id = use_case.id AND t.to_stage = 'selected')"
    )
    op.execute(
        "UPDATE use_case SET last_return_end = (SELECT max(r.period_end) FROM progress_return r"
        " WHERE r.use_case_id = use_case.id)"
    )

    with op.batch_alter_table('use_case', schema=None) as batch_op:
        batch_op.create_index('ix_use_case_updated_at_id', ['updated_at', 'id'], unique=False)
        batch_op.create_index('ix_use_case_stage_changed_at_id', ['stage_changed_at', 'id'], unique=False)
        batch_op.create_index('ix_use_case_stage_stage_changed_at', ['stage', 'stage_changed_at', 'id'], unique=False)
        batch_op.create_index('ix_use_case_stage_category_updated', ['stage', 'category_id', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_use_case_stage_submitted_at', ['stage', 'submitted_at', 'cohort_id', 'pilot_started_on', 'last_return_end'], unique=False)
        batch_op.create_index('ix_use_case_figures', ['cohort_id', 'stage', 'category_id', 'submitted_at', 'selected_at', 'pilot_started_on', 'last_return_end'], unique=False)

    with op.batch_alter_table('stage_transition', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_transition_at')
        batch_op.create_index('ix_stage_transition_at_id', ['at', 'id'], unique=False)

    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index('ix_milestone_status_planned_on', ['status', 'planned_on', 'use_case_id'], unique=False)

    op.create_table('saved_filter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('query', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_saved_filter_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filter')),
    sa.UniqueConstraint('user_id', 'name', name='uq_saved_filter_user_name')
    )
    with op.batch_alter_table('saved_filter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_filter_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('saved_filter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_filter_user_id'))
    op.drop_table('saved_filter')

    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index('ix_milestone_status_planned_on')

    with op.batch_alter_table('stage_transition', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_transition_at_id')
        batch_op.create_index('ix_stage_transition_at', ['at'], unique=False)

    with op.batch_alter_table('use_case', schema=None) as batch_op:
        batch_op.drop_index('ix_use_case_figures')
        batch_op.drop_index('ix_use_case_stage_submitted_at')
        batch_op.drop_index('ix_use_case_stage_category_updated')
        batch_op.drop_index('ix_use_case_stage_stage_changed_at')
        batch_op.drop_index('ix_use_case_stage_changed_at_id')
        batch_op.drop_index('ix_use_case_updated_at_id')
        batch_op.drop_column('last_return_end')
        batch_op.drop_column('selected_at')
