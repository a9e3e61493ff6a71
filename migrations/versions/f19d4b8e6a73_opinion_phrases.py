"""runtime: each person's quick opinion phrases, 常用语 (issue 19)

Revision ID: f19d4b8e6a73
Revises: e19c3a7d5b62
Create Date: 2027-02-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f19d4b8e6a73'
down_revision = 'e19c3a7d5b62'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'opinion_phrase',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_opinion_phrase_user_id'), 'opinion_phrase', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_opinion_phrase_user_id'), table_name='opinion_phrase')
    op.drop_table('opinion_phrase')
