"""api: idempotency keys, each write request's first answer kept 24 hours (issue 25)

Revision ID: e25a7c3f9d18
Revises: c19a1d4e7b30
Create Date: 2027-01-25 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e25a7c3f9d18'
down_revision = 'c19a1d4e7b30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'idempotent_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'key', name='uq_idempotent_request_user_key'),
    )
    op.create_index(
        op.f('ix_idempotent_request_created_at'), 'idempotent_request', ['created_at']
    )


def downgrade():
    op.drop_index(op.f('ix_idempotent_request_created_at'), table_name='idempotent_request')
    op.drop_table('idempotent_request')
