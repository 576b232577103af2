"""Selection committees: external experts, members, assignments with declarations of interest,
participating regulators' determinations, slate decisions, and weighted criteria with a rubric

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OLD_ROLES = ('admin', 'regulator', 'supervisor', 'institution')
NEW_ROLES = OLD_ROLES + ('expert',)
OLD_ORGANISATION = (
    "(role = 'admin' AND regulator_id IS NULL AND institution_id IS NULL)"
    " OR (role IN ('regulator', 'supervisor') AND regulator_id IS NOT NULL"
    " AND institution_id IS NULL)"
    " OR (role = 'institution' AND institution_id IS NOT NULL AND regulator_id IS NULL)"
)
NEW_ORGANISATION = OLD_ORGANISATION + " OR (role = 'expert' AND regulator_id IS NULL)"


def _role_constraints(roles, organisation):
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_organisation'), type_='check')
        batch_op.drop_constraint(op.f('ck_user_account_role'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_user_account_role'), sa.column('role').in_(roles)
        )
        batch_op.create_check_constraint(op.f('ck_user_account_organisation'), organisation)


def upgrade():
    _role_constraints(NEW_ROLES, NEW_ORGANISATION)

    with op.batch_alter_table('selection_criterion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weight', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('rubric_1', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('rubric_3', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('rubric_5', sa.Text(), server_default='', nullable=False))
        batch_op.create_check_constraint(
            batch_op.f('ck_selection_criterion_weight'), 'weight BETWEEN 0 AND 100'
        )

    op.create_table('committee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('quorum', sa.Integer(), nullable=False),
    sa.Column('review_days', sa.Integer(), nullable=False),
    sa.Column('places', sa.Integer(), nullable=True),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('share_scores', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('places IS NULL OR places >= 0', name=op.f('ck_committee_places')),
    sa.CheckConstraint('quorum >= 1', name=op.f('ck_committee_quorum')),
    sa.CheckConstraint('review_days BETWEEN 1 AND 365', name=op.f('ck_committee_review_days')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_committee_cohort_id_cohort')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee')),
    sa.UniqueConstraint('cohort_id', name=op.f('uq_committee_cohort_id'))
    )
    op.create_table('committee_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], name=op.f('fk_committee_member_committee_id_committee')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_committee_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_member')),
    sa.UniqueConstraint('committee_id', 'user_id', name='uq_committee_member_user')
    )
    with op.batch_alter_table('committee_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_member_committee_id'), ['committee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committee_member_user_id'), ['user_id'], unique=False)

    op.create_table('review_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('use_case_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('declaration', sa.Enum('pending', 'no_conflict', 'conflict', name='declaration', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('conflict_with', sa.Enum('institution', 'partner', name='conflict_with', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('conflict_partner_id', sa.Integer(), nullable=True),
    sa.Column('conflict_note', sa.Text(), nullable=False),
    sa.Column('declared_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("(declaration = 'conflict' AND conflict_with IS NOT NULL) OR (declaration != 'conflict' AND conflict_with IS NULL)", name=op.f('ck_review_assignment_conflict_detail')),
    sa.CheckConstraint("declaration = 'pending' OR declared_at IS NOT NULL", name=op.f('ck_review_assignment_declared_at')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user_account.id'], name=op.f('fk_review_assignment_assigned_by_id_user_account')),
    sa.ForeignKeyConstraint(['conflict_partner_id'], ['institution.id'], name=op.f('fk_review_assignment_conflict_partner_id_institution')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_review_assignment_reviewer_id_user_account')),
    sa.ForeignKeyConstraint(['use_case_id'], ['use_case.id'], name=op.f('fk_review_assignment_use_case_id_use_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_assignment')),
    sa.UniqueConstraint('use_case_id', 'reviewer_id', name='uq_review_assignment_reviewer')
    )
    with op.batch_alter_table('review_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_assignment_reviewer_id'), ['reviewer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_assignment_use_case_id'), ['use_case_id'], unique=False)

    op.create_table('regulator_determination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('use_case_id', sa.Integer(), nullable=False),
    sa.Column('regulator_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('support', 'support_with_conditions', 'object', name='decision', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("decision != 'support_with_conditions' OR conditions != ''", name=op.f('ck_regulator_determination_conditions')),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_regulator_determination_by_id_user_account')),
    sa.ForeignKeyConstraint(['regulator_id'], ['regulator.id'], name=op.f('fk_regulator_determination_regulator_id_regulator')),
    sa.ForeignKeyConstraint(['use_case_id'], ['use_case.id'], name=op.f('fk_regulator_determination_use_case_id_use_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regulator_determination'))
    )
    with op.batch_alter_table('regulator_determination', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regulator_determination_use_case_id'), ['use_case_id'], unique=False)

    op.create_table('slate_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('use_case_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('selected', 'reserve', 'not_selected', name='outcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('weighted_mean', sa.Float(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_slate_entry_cohort_id_cohort')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_slate_entry_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['use_case_id'], ['use_case.id'], name=op.f('fk_slate_entry_use_case_id_use_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slate_entry'))
    )
    with op.batch_alter_table('slate_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slate_entry_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_slate_entry_use_case_id'), ['use_case_id'], unique=False)


def downgrade():
    _refuse_with_experts()
    for table, indexes in (
        ('slate_entry', ('ix_slate_entry_use_case_id', 'ix_slate_entry_cohort_id')),
        ('regulator_determination', ('ix_regulator_determination_use_case_id',)),
        ('review_assignment', ('ix_review_assignment_use_case_id', 'ix_review_assignment_reviewer_id')),
        ('committee_member', ('ix_committee_member_user_id', 'ix_committee_member_committee_id')),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)
    op.drop_table('committee')

    with op.batch_alter_table('selection_criterion', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_selection_criterion_weight'), type_='check')
        batch_op.drop_column('rubric_5')
        batch_op.drop_column('rubric_3')
        batch_op.drop_column('rubric_1')
        batch_op.drop_column('weight')

    _role_constraints(OLD_ROLES, OLD_ORGANISATION)


def _refuse_with_experts():
    # The older schema has no place for an external expert's account: rather than delete
    # accounts (and what they wrote), the downgrade stops and says what to change first.
    experts = op.get_bind().execute(
        sa.text("SELECT count(*) FROM user_account WHERE role = 'expert'")
    ).scalar()
    if experts:
        raise RuntimeError(
            f"{experts} external expert account(s) exist: give them another role or remove "
            "them before downgrading below 0013."
        )
