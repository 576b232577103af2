"""Record the issuer's organisation on issued reports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 02:55:47.876997

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('issued_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuer_regulator_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('issuer_institution_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_issued_report_issuer_institution_id'), ['issuer_institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_report_issuer_regulator_id'), ['issuer_regulator_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_issued_report_issuer_institution_id_institution'), 'institution', ['issuer_institution_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_issued_report_issuer_regulator_id_regulator'), 'regulator', ['issuer_regulator_id'], ['id'])

    # Reports issued before this revision: the issuer's organisation as it stands now is the
    # best record there is.
    op.execute(
        "UPDATE issued_report SET"
        " issuer_regulator_id = (SELECT regulator_id FROM user_account"
        " WHERE user_account.id = issued_report.generated_by_id),"
        " issuer_institution_id = (SELECT institution_id FROM user_account"
        " WHERE user_account.id = issued_report.generated_by_id)"
        " WHERE generated_by_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('issued_report', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_issued_report_issuer_regulator_id_regulator'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_issued_report_issuer_institution_id_institution'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_issued_report_issuer_regulator_id'))
        batch_op.drop_index(batch_op.f('ix_issued_report_issuer_institution_id'))
        batch_op.drop_column('issuer_institution_id')
        batch_op.drop_column('issuer_regulator_id')
