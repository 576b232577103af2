"""Use-case counts per institution, cohort, stage and whether it leads or partners (proposals
only), kept by the commands' flushes (tracker.usecases.institution_figures); filled here from
the use cases and their partnerships. The institution list's visibility test and figures read
them. Indexes for the list's orders (by name, by kind then name) and their seek cursors, and
for a cohort's use cases by title (the cohort page's list).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'institution_use_case_count',
        sa.Column('institution_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('cohort_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('lead', sa.Boolean(), nullable=False),
        sa.Column('stage', sa.Enum('draft', 'submitted', 'under_review', 'changes_requested', 'selected', 'rejected', 'pilot', 'suspended', 'production', 'discontinued', 'withdrawn', name='stage', native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('institution_id', 'cohort_id', 'lead', 'stage', name=op.f('pk_institution_use_case_count')),
    )
    op.execute(
        "INSERT INTO institution_use_case_count (institution_id, cohort_id, lead, stage, n)"
        " SELECT institution_id, cohort_id, TRUE, stage, count(*) FROM use_case"
        " WHERE submitted_at IS NOT NULL"
        " GROUP BY institution_id, cohort_id, stage"
        " UNION ALL"
        " SELECT p.institution_id, u.cohort_id, FALSE, u.stage, count(*)"
        " FROM use_case_partner p JOIN use_case u ON u.id = p.use_case_id"
        " WHERE u.submitted_at IS NOT NULL"
        " GROUP BY p.institution_id, u.cohort_id, u.stage"
    )
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.create_index('ix_institution_lower_name_id', [sa.text('lower(name)'), 'id'], unique=False)
        batch_op.create_index('ix_institution_kind_lower_name_id', ['kind', sa.text('lower(name)'), 'id'], unique=False)
    with op.batch_alter_table('use_case', schema=None) as batch_op:
        batch_op.create_index('ix_use_case_cohort_lower_title_id', ['cohort_id', sa.text('lower(title)'), 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('use_case', schema=None) as batch_op:
        batch_op.drop_index('ix_use_case_cohort_lower_title_id')
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.drop_index('ix_institution_kind_lower_name_id')
        batch_op.drop_index('ix_institution_lower_name_id')
    op.drop_table('institution_use_case_count')
