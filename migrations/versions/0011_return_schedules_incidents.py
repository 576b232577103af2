"""Reporting schedules, expected returns and their reminders; incidents reported outside a
return (``incident.return_id`` becomes optional) with the regulator's response clock and the
suspension decided from them.

Existing pilots get no schedule: they keep the cohort's return interval, as before, until the
regulator sets one. Existing incidents keep their return; their ``reported_at`` is the time the
return was filed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 12:25:17.151166

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('return_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('use_case_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.Enum('monthly', 'quarterly', 'dates', name='frequency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('first_period_start', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('report_dates', sa.JSON(), nullable=False),
    sa.Column('days_to_file', sa.Integer(), nullable=False),
    sa.Column('milestone_days', sa.Integer(), nullable=True),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('days_to_file BETWEEN 0 AND 90', name=op.f('ck_return_schedule_days_to_file')),
    sa.CheckConstraint('ends_on >= first_period_start', name=op.f('ck_return_schedule_span')),
    sa.CheckConstraint('milestone_days IS NULL OR milestone_days BETWEEN 0 AND 90', name=op.f('ck_return_schedule_milestone_days')),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_return_schedule_set_by_id_user_account')),
    sa.ForeignKeyConstraint(['use_case_id'], ['use_case.id'], name=op.f('fk_return_schedule_use_case_id_use_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_schedule')),
    sa.UniqueConstraint('use_case_id', name=op.f('uq_return_schedule_use_case_id'))
    )
    op.create_table('expected_return',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('use_case_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('schedule', 'ad_hoc', 'milestone', name='source', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'filed', 'waived', name='status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('request', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('milestone_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('waiver', sa.Text(), nullable=False),
    sa.Column('waived_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(status = 'filed') = (return_id IS NOT NULL)", name=op.f('ck_expected_return_filed_return')),
    sa.CheckConstraint("source != 'milestone' OR milestone_id IS NOT NULL", name=op.f('ck_expected_return_milestone')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_expected_return_period')),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestone.id'], name=op.f('fk_expected_return_milestone_id_milestone')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_expected_return_requested_by_id_user_account')),
    sa.ForeignKeyConstraint(['return_id'], ['progress_return.id'], name=op.f('fk_expected_return_return_id_progress_return')),
    sa.ForeignKeyConstraint(['use_case_id'], ['use_case.id'], name=op.f('fk_expected_return_use_case_id_use_case')),
    sa.ForeignKeyConstraint(['waived_by_id'], ['user_account.id'], name=op.f('fk_expected_return_waived_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expected_return')),
    sa.UniqueConstraint('milestone_id', name='uq_expected_return_milestone')
    )
    with op.batch_alter_table('expected_return', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expected_return_return_id'), ['return_id'], unique=False)
        batch_op.create_index('ix_expected_return_status_due', ['status', 'due_on', 'use_case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expected_return_use_case_id'), ['use_case_id'], unique=False)

    op.create_table('return_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expected_return_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['expected_return_id'], ['expected_return.id'], name=op.f('fk_return_reminder_expected_return_id_expected_return')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_reminder')),
    sa.UniqueConstraint('expected_return_id', 'step', name='uq_return_reminder_step')
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('occurred_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('customers_affected', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reported_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reported_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('acknowledge_by', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('acknowledgement', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('suspension_id', sa.Integer(), nullable=True))
        batch_op.alter_column('return_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index('ix_incident_ack_due', ['acknowledged_at', 'acknowledge_by'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_incident_reported_by_id_user_account'), 'user_account', ['reported_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_incident_suspension_id_stage_transition'), 'stage_transition', ['suspension_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_incident_acknowledged_by_id_user_account'), 'user_account', ['acknowledged_by_id'], ['id'])

    op.execute(
        "UPDATE incident SET reported_at = (SELECT submitted_at FROM progress_return"
        " WHERE progress_return.id = incident.return_id), reported_by_id = (SELECT"
        " submitted_by_id FROM progress_return WHERE progress_return.id = incident.return_id)"
    )


def downgrade():
    outside = op.get_bind().execute(
        sa.text("SELECT COUNT(*) FROM incident WHERE return_id IS NULL")
    ).scalar()
    if outside:
        # They have no return to belong to before 0011: refuse rather than lose them.
        raise RuntimeError(
            f"{outside} incidents were reported outside a return; downgrading would lose them."
        )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_incident_acknowledged_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_incident_suspension_id_stage_transition'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_incident_reported_by_id_user_account'), type_='foreignkey')
        batch_op.drop_index('ix_incident_ack_due')
        batch_op.alter_column('return_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('suspension_id')
        batch_op.drop_column('acknowledgement')
        batch_op.drop_column('acknowledged_by_id')
        batch_op.drop_column('acknowledged_at')
        batch_op.drop_column('acknowledge_by')
        batch_op.drop_column('reported_by_id')
        batch_op.drop_column('reported_at')
        batch_op.drop_column('customers_affected')
        batch_op.drop_column('occurred_at')

    op.drop_table('return_reminder')
    with op.batch_alter_table('expected_return', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expected_return_use_case_id'))
        batch_op.drop_index('ix_expected_return_status_due')
        batch_op.drop_index(batch_op.f('ix_expected_return_return_id'))

    op.drop_table('expected_return')
    op.drop_table('return_schedule')
