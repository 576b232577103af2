"""Use-case counts per cohort, category, stage and whether submitted, selected and piloted,
kept by the commands' flushes (tracker.usecases.figures); filled here from the use cases. And
covering indexes for the institution list's visibility test (an institution's use cases and
partnerships), which replace the single-column ones.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'use_case_count',
        sa.Column('cohort_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('category_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('stage', sa.Enum('draft', 'submitted', 'under_review', 'changes_requested', 'selected', 'rejected', 'pilot', 'suspended', 'production', 'discontinued', 'withdrawn', name='stage', native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column('proposal', sa.Boolean(), nullable=False),
        sa.Column('selected', sa.Boolean(), nullable=False),
        sa.Column('piloted', sa.Boolean(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('cohort_id', 'category_id', 'stage', 'proposal', 'selected', 'piloted', name=op.f('pk_use_case_count')),
    )
    op.execute(
        "INSERT INTO use_case_count"
        " (cohort_id, category_id, stage, proposal, selected, piloted, n)"
        " SELECT cohort_id, category_id, stage, submitted_at IS NOT NULL,"
        " selected_at IS NOT NULL, pilot_started_on IS NOT NULL, count(*)"
        " FROM use_case"
        " GROUP BY cohort_id, category_id, stage, submitted_at IS NOT NULL,"
        " selected_at IS NOT NULL, pilot_started_on IS NOT NULL"
    )

    with op.batch_alter_table('use_case', schema=None) as batch_op:
        batch_op.create_index('ix_use_case_institution_visible', ['institution_id', 'cohort_id', 'submitted_at', 'stage', 'id'], unique=False)
        batch_op.drop_index('ix_use_case_institution_id')
    with op.batch_alter_table('use_case_partner', schema=None) as batch_op:
        batch_op.create_index('ix_use_case_partner_institution_use_case', ['institution_id', 'use_case_id'], unique=False)
        batch_op.drop_index('ix_use_case_partner_institution_id')


def downgrade():
    with op.batch_alter_table('use_case_partner', schema=None) as batch_op:
        batch_op.create_index('ix_use_case_partner_institution_id', ['institution_id'], unique=False)
        batch_op.drop_index('ix_use_case_partner_institution_use_case')
    with op.batch_alter_table('use_case', schema=None) as batch_op:
        batch_op.create_index('ix_use_case_institution_id', ['institution_id'], unique=False)
        batch_op.drop_index('ix_use_case_institution_visible')
    op.drop_table('use_case_count')
