"""Sandbox plans, versioned, with their milestones and KPIs; KPI values as numbers against the
plan's KPIs. Existing pilots get an agreed version 1 carried over from their free-text pilot
terms and KPIs; existing KPI values keep their text as notes.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 12:40:00.000000

"""
from datetime import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sandbox_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('use_case_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['use_case_id'], ['use_case.id'], name=op.f('fk_sandbox_plan_use_case_id_use_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_plan')),
    sa.UniqueConstraint('use_case_id', name=op.f('uq_sandbox_plan_use_case_id'))
    )
    op.create_table('sandbox_plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'changes_requested', 'agreed', name='status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('carried_over', sa.Boolean(), nullable=False),
    sa.Column('objectives', sa.Text(), nullable=False),
    sa.Column('success_measures', sa.Text(), nullable=False),
    sa.Column('methodology', sa.Text(), nullable=False),
    sa.Column('duration_weeks', sa.Integer(), nullable=False),
    sa.Column('customer_cap', sa.Integer(), nullable=True),
    sa.Column('exposure_limit', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('other_limits', sa.Text(), nullable=False),
    sa.Column('data_scope', sa.Text(), nullable=False),
    sa.Column('channels', sa.Text(), nullable=False),
    sa.Column('geographies', sa.Text(), nullable=False),
    sa.Column('safeguard_boundary', sa.Text(), nullable=False),
    sa.Column('safeguard_customer_protection', sa.Text(), nullable=False),
    sa.Column('safeguard_risk_controls', sa.Text(), nullable=False),
    sa.Column('safeguard_readiness', sa.Text(), nullable=False),
    sa.Column('report_frequency', sa.Enum('fortnightly', 'monthly', 'quarterly', name='report_frequency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('report_due_days', sa.Integer(), nullable=False),
    sa.Column('exit_strategy', sa.Text(), nullable=False),
    sa.Column('drafted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('agreed_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.CheckConstraint('customer_cap IS NULL OR customer_cap >= 0', name=op.f('ck_sandbox_plan_version_customer_cap')),
    sa.CheckConstraint('duration_weeks BETWEEN 1 AND 156', name=op.f('ck_sandbox_plan_version_duration')),
    sa.CheckConstraint('exposure_limit IS NULL OR exposure_limit >= 0', name=op.f('ck_sandbox_plan_version_exposure_limit')),
    sa.CheckConstraint('report_due_days BETWEEN 1 AND 60', name=op.f('ck_sandbox_plan_version_report_due_days')),
    sa.CheckConstraint("status != 'agreed' OR agreed_at IS NOT NULL", name=op.f('ck_sandbox_plan_version_agreed_at')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_sandbox_plan_version_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['drafted_by_id'], ['user_account.id'], name=op.f('fk_sandbox_plan_version_drafted_by_id_user_account')),
    sa.ForeignKeyConstraint(['plan_id'], ['sandbox_plan.id'], name=op.f('fk_sandbox_plan_version_plan_id_sandbox_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_plan_version')),
    sa.UniqueConstraint('plan_id', 'number', name='uq_sandbox_plan_version_number')
    )
    with op.batch_alter_table('sandbox_plan_version', schema=None) as batch_op:
        batch_op.create_index('ix_sandbox_plan_version_agreed', ['plan_id', 'agreed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sandbox_plan_version_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_kpi',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('direction', sa.Enum('higher', 'lower', name='direction', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('baseline', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('target', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.CheckConstraint("direction IS NULL OR target IS NULL OR baseline IS NULL OR (direction = 'higher' AND target >= baseline) OR (direction = 'lower' AND target <= baseline)", name=op.f('ck_plan_kpi_target_direction')),
    sa.ForeignKeyConstraint(['version_id'], ['sandbox_plan_version.id'], name=op.f('fk_plan_kpi_version_id_sandbox_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_kpi'))
    )
    with op.batch_alter_table('plan_kpi', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_kpi_version_id'), ['version_id'], unique=False)

    op.create_table('plan_milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['sandbox_plan_version.id'], name=op.f('fk_plan_milestone_version_id_sandbox_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_milestone'))
    )
    with op.batch_alter_table('plan_milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_milestone_version_id'), ['version_id'], unique=False)

    with op.batch_alter_table('kpi_value', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_kpi_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('number', sa.Numeric(precision=18, scale=4), nullable=True))
        batch_op.create_index(batch_op.f('ix_kpi_value_plan_kpi_id'), ['plan_kpi_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_kpi_value_plan_kpi_id_plan_kpi'), 'plan_kpi', ['plan_kpi_id'], ['id'])

    with op.batch_alter_table('progress_return', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customers_reached', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('exposure_used', sa.Numeric(precision=18, scale=2), nullable=True))

    op.create_table('boundary_breach',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('use_case_id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('boundary', sa.Enum('customers', 'exposure', name='boundary', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reported', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('allowed', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('detected_at', sa.DateTime(), nullable=False),
    sa.Column('decision', sa.Enum('amended', 'suspended', 'discontinued', name='decision', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.CheckConstraint('(decision IS NULL) = (decided_at IS NULL)', name=op.f('ck_boundary_breach_decided')),
    sa.CheckConstraint("decision != 'amended' OR amendment_id IS NOT NULL", name=op.f('ck_boundary_breach_amendment')),
    sa.ForeignKeyConstraint(['amendment_id'], ['sandbox_plan_version.id'], name=op.f('fk_boundary_breach_amendment_id_sandbox_plan_version')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_boundary_breach_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['return_id'], ['progress_return.id'], name=op.f('fk_boundary_breach_return_id_progress_return')),
    sa.ForeignKeyConstraint(['use_case_id'], ['use_case.id'], name=op.f('fk_boundary_breach_use_case_id_use_case')),
    sa.ForeignKeyConstraint(['version_id'], ['sandbox_plan_version.id'], name=op.f('fk_boundary_breach_version_id_sandbox_plan_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boundary_breach')),
    sa.UniqueConstraint('return_id', 'boundary', name='uq_boundary_breach_return')
    )
    with op.batch_alter_table('boundary_breach', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_boundary_breach_return_id'), ['return_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_boundary_breach_use_case_id'), ['use_case_id'], unique=False)

    _carry_over_pilot_terms()


def _carry_over_pilot_terms():
    """Every use case that reached a pilot gets an agreed version 1 holding its free-text limits
    and data scope, its duration and its KPIs (no target: none was recorded); each KPI value it
    returned links to its KPI and keeps its text as the note."""
    conn = op.get_bind()
    meta = sa.MetaData()
    use_case = sa.Table('use_case', meta, autoload_with=conn)
    transition = sa.Table('stage_transition', meta, autoload_with=conn)
    plan = sa.Table('sandbox_plan', meta, autoload_with=conn)
    version = sa.Table('sandbox_plan_version', meta, autoload_with=conn)
    kpi = sa.Table('plan_kpi', meta, autoload_with=conn)
    value = sa.Table('kpi_value', meta, autoload_with=conn)
    progress_return = sa.Table('progress_return', meta, autoload_with=conn)
    cases = conn.execute(
        sa.select(
            use_case.c.id, use_case.c.pilot_started_on, use_case.c.pilot_duration_weeks,
            use_case.c.pilot_limits, use_case.c.pilot_data_scope, use_case.c.kpis,
        ).where(use_case.c.pilot_duration_weeks.is_not(None)).order_by(use_case.c.id)
    ).all()
    for case in cases:
        start = conn.execute(
            sa.select(transition.c.at, transition.c.actor_id)
            .where(transition.c.use_case_id == case.id, transition.c.action == 'start_pilot')
            .order_by(transition.c.at).limit(1)
        ).first()
        if start is not None:
            agreed_at, actor = start.at, start.actor_id
        elif case.pilot_started_on is not None:
            agreed_at, actor = datetime.combine(case.pilot_started_on, datetime.min.time()), None
        else:
            agreed_at, actor = datetime(2000, 1, 1), None
        plan_id = conn.execute(
            plan.insert().values(use_case_id=case.id, created_at=agreed_at).returning(plan.c.id)
        ).scalar_one()
        text = {name: '' for name in (
            'objectives', 'success_measures', 'methodology', 'channels', 'geographies',
            'safeguard_boundary', 'safeguard_customer_protection', 'safeguard_risk_controls',
            'safeguard_readiness', 'exit_strategy', 'decision_note',
        )}
        version_id = conn.execute(
            version.insert().values(
                plan_id=plan_id, number=1, status='agreed', carried_over=True,
                duration_weeks=min(max(case.pilot_duration_weeks, 1), 156),
                customer_cap=None, exposure_limit=None,
                other_limits=case.pilot_limits or '', data_scope=case.pilot_data_scope or '',
                report_frequency='monthly', report_due_days=14,
                drafted_by_id=None, created_at=agreed_at, updated_at=agreed_at,
                submitted_at=agreed_at, decided_by_id=actor, decided_at=agreed_at,
                agreed_at=agreed_at, lock_version=1, **text,
            ).returning(version.c.id)
        ).scalar_one()
        names = [line.strip() for line in (case.kpis or '').splitlines() if line.strip()]
        kpi_ids = {}
        for position, name in enumerate(names):
            if name in kpi_ids:
                continue
            kpi_ids[name] = conn.execute(
                kpi.insert().values(version_id=version_id, position=position, name=name, unit='')
                .returning(kpi.c.id)
            ).scalar_one()
        returned = conn.execute(
            sa.select(value.c.id, value.c.kpi)
            .join(progress_return, progress_return.c.id == value.c.return_id)
            .where(progress_return.c.use_case_id == case.id)
        ).all()
        for row in returned:
            name = (row.kpi or '').strip()
            if name not in kpi_ids:  # a KPI since removed from the proposal: kept in the plan
                kpi_ids[name] = conn.execute(
                    kpi.insert().values(
                        version_id=version_id, position=len(kpi_ids), name=name, unit=''
                    ).returning(kpi.c.id)
                ).scalar_one()
            conn.execute(
                value.update().where(value.c.id == row.id).values(plan_kpi_id=kpi_ids[name])
            )


def downgrade():
    with op.batch_alter_table('boundary_breach', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_boundary_breach_use_case_id'))
        batch_op.drop_index(batch_op.f('ix_boundary_breach_return_id'))
    op.drop_table('boundary_breach')
    with op.batch_alter_table('progress_return', schema=None) as batch_op:
        batch_op.drop_column('exposure_used')
        batch_op.drop_column('customers_reached')

    with op.batch_alter_table('kpi_value', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_kpi_value_plan_kpi_id_plan_kpi'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_kpi_value_plan_kpi_id'))
        batch_op.drop_column('number')
        batch_op.drop_column('plan_kpi_id')

    with op.batch_alter_table('plan_milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_milestone_version_id'))
    op.drop_table('plan_milestone')
    with op.batch_alter_table('plan_kpi', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_kpi_version_id'))
    op.drop_table('plan_kpi')
    with op.batch_alter_table('sandbox_plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sandbox_plan_version_plan_id'))
        batch_op.drop_index('ix_sandbox_plan_version_agreed')
    op.drop_table('sandbox_plan_version')
    op.drop_table('sandbox_plan')
