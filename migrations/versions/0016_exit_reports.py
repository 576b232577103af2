"""Exit reports and written proof of activities as report kinds; the publication record of an
exit report (both sides' consent, the abstract, the report published).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

OLD_KINDS = ('cohort', 'programme', 'institution', 'use_case')
NEW_KINDS = OLD_KINDS + ('exit', 'exit_proof')


def _kinds(kinds):
    for table in ('issued_report', 'report_request'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_kind'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_kind'), sa.column('kind').in_(kinds))


def upgrade():
    _kinds(NEW_KINDS)
    op.create_table('exit_publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('use_case_id', sa.Integer(), nullable=False),
    sa.Column('institution_consent_at', sa.DateTime(), nullable=True),
    sa.Column('institution_consent_by_id', sa.Integer(), nullable=True),
    sa.Column('regulator_consent_at', sa.DateTime(), nullable=True),
    sa.Column('regulator_consent_by_id', sa.Integer(), nullable=True),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('published_at IS NULL OR (published_by_id IS NOT NULL AND report_id IS NOT NULL AND institution_consent_at IS NOT NULL AND regulator_consent_at IS NOT NULL)', name=op.f('ck_exit_publication_published_with_consent')),
    sa.ForeignKeyConstraint(['institution_consent_by_id'], ['user_account.id'], name=op.f('fk_exit_publication_institution_consent_by_id_user_account')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_exit_publication_published_by_id_user_account')),
    sa.ForeignKeyConstraint(['regulator_consent_by_id'], ['user_account.id'], name=op.f('fk_exit_publication_regulator_consent_by_id_user_account')),
    sa.ForeignKeyConstraint(['report_id'], ['issued_report.id'], name=op.f('fk_exit_publication_report_id_issued_report')),
    sa.ForeignKeyConstraint(['use_case_id'], ['use_case.id'], name=op.f('fk_exit_publication_use_case_id_use_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exit_publication')),
    sa.UniqueConstraint('slug', name=op.f('uq_exit_publication_slug')),
    sa.UniqueConstraint('use_case_id', name=op.f('uq_exit_publication_use_case_id'))
    )


def downgrade():
    op.drop_table('exit_publication')
    # Reports of the two new kinds cannot be kept under the old constraint.
    op.execute("DELETE FROM issued_report WHERE kind IN ('exit', 'exit_proof')")
    op.execute("DELETE FROM report_request WHERE kind IN ('exit', 'exit_proof')")
    _kinds(OLD_KINDS)
