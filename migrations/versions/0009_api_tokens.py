"""Personal access tokens for the API, the responses kept for idempotent POSTs, and
institutions' webhooks

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.Enum('read', 'write', name='scope', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_api_token_secret_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('api_idempotent_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['api_token.id'], name=op.f('fk_api_idempotent_response_token_id_api_token')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotent_response')),
    sa.UniqueConstraint('token_id', 'key', name='uq_api_idempotent_response_key')
    )
    with op.batch_alter_table('api_idempotent_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_idempotent_response_created_at'), ['created_at'], unique=False)

    op.create_table('api_webhook',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_api_webhook_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_api_webhook_institution_id_institution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_webhook')),
    sa.UniqueConstraint('institution_id', name=op.f('uq_api_webhook_institution_id'))
    )


def downgrade():
    op.drop_table('api_webhook')
    with op.batch_alter_table('api_idempotent_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_idempotent_response_created_at'))

    op.drop_table('api_idempotent_response')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
