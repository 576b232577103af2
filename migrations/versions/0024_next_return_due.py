"""When each pilot's next progress return falls due, kept on the use case
(``use_case.next_return_due_on``, by tracker.returns.due), with the index the dashboards and
the review queue read it from; filled here by the same rule the pages computed until now. The
cohort of each open milestone of a use case in a stage with milestones
(``milestone.open_cohort_id``, by tracker.usecases.open_milestones), which the overdue
milestones are counted by. And the index the dashboard's open boundary breaches are read and
counted from.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# The rule (tracker.returns.due.due_on) as it stood at this revision: under a reporting schedule
# the first open expected return; without one, the cohort's interval after the last period
# reported (or the pilot start), unless an open expected return is due earlier.
BACKFILL = """
UPDATE use_case SET next_return_due_on = CASE
    WHEN use_case.stage NOT IN ('pilot', 'suspended') THEN NULL
    WHEN EXISTS (SELECT 1 FROM return_schedule WHERE return_schedule.use_case_id = use_case.id)
        THEN ({next_expected})
    WHEN ({next_expected}) < ({by_interval}) THEN ({next_expected})
    ELSE ({by_interval})
END
WHERE use_case.stage IN ('pilot', 'suspended')
"""
NEXT_EXPECTED = (
    "SELECT min(expected_return.due_on) FROM expected_return"
    " WHERE expected_return.use_case_id = use_case.id AND expected_return.status = 'open'"
)
INTERVAL = "SELECT cohort.return_interval_days FROM cohort WHERE cohort.id = use_case.cohort_id"
BY_INTERVAL = {
    "sqlite": "date(coalesce(use_case.last_return_end, use_case.pilot_started_on),"
    " '+' || ({interval}) || ' days')",
    "postgresql": "CAST(coalesce(use_case.last_return_end, use_case.pilot_started_on) AS DATE)"
    " + ({interval})",
}

# tracker.usecases.open_milestones: the cohort of an open milestone's use case while that use
# case, submitted, is in a stage with milestones.
OPEN_COHORT = """
UPDATE milestone SET open_cohort_id = (
    SELECT use_case.cohort_id FROM use_case
    WHERE use_case.id = milestone.use_case_id
    AND use_case.stage IN ('selected', 'pilot', 'suspended')
    AND use_case.submitted_at IS NOT NULL
)
WHERE milestone.status IN ('planned', 'in_progress')
"""


def upgrade():
    with op.batch_alter_table('use_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_return_due_on', sa.Date(), nullable=True))
    dialect = op.get_bind().dialect.name
    by_interval = BY_INTERVAL[dialect].format(interval=INTERVAL)
    op.execute(BACKFILL.format(next_expected=NEXT_EXPECTED, by_interval=by_interval))
    with op.batch_alter_table('use_case', schema=None) as batch_op:
        batch_op.create_index(
            'ix_use_case_next_return_due',
            ['next_return_due_on', 'id', 'stage', 'cohort_id', 'submitted_at'],
            unique=False,
        )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_cohort_id', sa.Integer(), nullable=True))
    op.execute(OPEN_COHORT)
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index(
            'ix_milestone_open_cohort_planned_on', ['open_cohort_id', 'planned_on'], unique=False
        )
    with op.batch_alter_table('boundary_breach', schema=None) as batch_op:
        batch_op.create_index(
            'ix_boundary_breach_open',
            ['decision', 'detected_at', 'id', 'use_case_id'],
            unique=False,
        )


def downgrade():
    # Not batch: on SQLite a batch would rebuild use_case (and reflect it for milestone's key),
    # losing the search's triggers and the expression index that SQLite cannot reflect. SQLite
    # 3.35 and later drop a column in place, as PostgreSQL does.
    op.drop_index('ix_boundary_breach_open', table_name='boundary_breach')
    op.drop_index('ix_milestone_open_cohort_planned_on', table_name='milestone')
    op.drop_column('milestone', 'open_cohort_id')
    op.drop_index('ix_use_case_next_return_due', table_name='use_case')
    op.drop_column('use_case', 'next_return_due_on')
