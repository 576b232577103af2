"""The KPIs moving away from their targets, kept by the commands' flushes
(tracker.plans.figures); worked out here from the returns already filed.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

# The last three numbers of each KPI of each use case (by name, latest return first), with the
# direction and target of the plan KPI each was reported against.
LAST_THREE = """
SELECT ranked.use_case_id, ranked.kpi, ranked.number, ranked.plan_kpi_id, ranked.n,
       plan_kpi.direction, plan_kpi.target
FROM (
    SELECT progress_return.use_case_id AS use_case_id, kpi_value.kpi AS kpi,
           kpi_value.number AS number, kpi_value.plan_kpi_id AS plan_kpi_id,
           row_number() OVER (
               PARTITION BY progress_return.use_case_id, kpi_value.kpi
               ORDER BY progress_return.period_end DESC, progress_return.id DESC
           ) AS n
    FROM kpi_value JOIN progress_return ON progress_return.id = kpi_value.return_id
    WHERE kpi_value.number IS NOT NULL
) AS ranked
JOIN plan_kpi ON plan_kpi.id = ranked.plan_kpi_id
WHERE ranked.n <= 3
ORDER BY ranked.use_case_id, ranked.kpi, ranked.n DESC
"""


def _moving_away(direction, target, numbers):
    """tracker.plans.queries.moving_away as it stands at this revision."""
    if direction is None or target is None or len(numbers) < 3:
        return False
    a, b, c = numbers[-3:]
    if direction == 'higher':
        return b < a and c < b and c < target
    return b > a and c > b and c > target


def upgrade():
    table = op.create_table(
        'kpi_moving_away',
        sa.Column('use_case_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('kpi', sa.Text(), nullable=False),
        sa.Column('plan_kpi_id', sa.Integer(), nullable=False),
        sa.Column('oldest', sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column('middle', sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column('latest', sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column('target', sa.Numeric(precision=18, scale=4), nullable=False),
        sa.PrimaryKeyConstraint('use_case_id', 'kpi', name=op.f('pk_kpi_moving_away')),
    )
    numeric = sa.Numeric(18, 4)
    statement = sa.text(LAST_THREE).columns(
        sa.column('use_case_id', sa.Integer()),
        sa.column('kpi', sa.Text()),
        sa.column('number', numeric),
        sa.column('plan_kpi_id', sa.Integer()),
        sa.column('n', sa.Integer()),
        sa.column('direction', sa.String()),
        sa.column('target', numeric),
    )
    groups = {}
    for row in op.get_bind().execute(statement):
        groups.setdefault((row.use_case_id, row.kpi), []).append(row)
    rows = []
    for (use_case_id, kpi), group in groups.items():
        numbers = [r.number for r in group]
        newest = group[-1]
        if _moving_away(newest.direction, newest.target, numbers):
            oldest, middle, latest = numbers
            rows.append(
                {
                    'use_case_id': use_case_id,
                    'kpi': kpi,
                    'plan_kpi_id': newest.plan_kpi_id,
                    'oldest': oldest,
                    'middle': middle,
                    'latest': latest,
                    'target': newest.target,
                }
            )
    if rows:
        op.bulk_insert(table, rows)


def downgrade():
    op.drop_table('kpi_moving_away')
