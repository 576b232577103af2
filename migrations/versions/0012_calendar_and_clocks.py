"""The working-day calendar's regulator closures, stage clock settings per programme and
cohort, and the due date of each use case's running clock

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 12:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

CLOCKS = ('submitted', 'under_review', 'changes_requested', 'pilot')


def upgrade():
    op.create_table('regulator_closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('regulator_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_regulator_closure_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['regulator_id'], ['regulator.id'], name=op.f('fk_regulator_closure_regulator_id_regulator')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regulator_closure')),
    sa.UniqueConstraint('regulator_id', 'on', name='uq_regulator_closure_day')
    )
    with op.batch_alter_table('regulator_closure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regulator_closure_regulator_id'), ['regulator_id'], unique=False)

    columns = []
    checks = []
    for name in CLOCKS:
        columns += [sa.Column(f'{name}_days', sa.Integer(), nullable=True),
                    sa.Column(f'{name}_working', sa.Boolean(), nullable=True)]
        checks.append(sa.CheckConstraint(
            f'{name}_days IS NULL OR ({name}_days > 0 AND {name}_days <= 730)',
            name=op.f(f'ck_clock_settings_{name}_days')))
    op.create_table('clock_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    *columns,
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('(programme_id IS NULL) != (cohort_id IS NULL)', name=op.f('ck_clock_settings_one_scope')),
    *checks,
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_clock_settings_cohort_id_cohort')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_clock_settings_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clock_settings')),
    sa.UniqueConstraint('cohort_id', name=op.f('uq_clock_settings_cohort_id')),
    sa.UniqueConstraint('programme_id', name=op.f('uq_clock_settings_programme_id'))
    )

    # Filled in for existing use cases by ``flask clocks refresh`` (the calendar is Python).
    with op.batch_alter_table('use_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clock_due_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_use_case_clock_due_on_id', ['clock_due_on', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('use_case', schema=None) as batch_op:
        batch_op.drop_index('ix_use_case_clock_due_on_id')
        batch_op.drop_column('clock_due_on')

    op.drop_table('clock_settings')
    with op.batch_alter_table('regulator_closure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regulator_closure_regulator_id'))

    op.drop_table('regulator_closure')
