"""runtime: the word index of the instances' forms and opinions (issue 19)

Revision ID: e19c3a7d5b62
Revises: c5b81f3e2a94
Create Date: 2027-02-01 11:00:00.000000

Existing instances are indexed by `flask oa search reindex` (the terms are made by the
application's code, which a migration does not import).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e19c3a7d5b62'
down_revision = 'c5b81f3e2a94'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_term',
        sa.Column('term', sa.String(length=64), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('term', 'instance_id'),
    )
    op.create_index(
        op.f('ix_search_term_instance_id'), 'search_term', ['instance_id'], unique=False
    )


def downgrade():
    op.drop_index(op.f('ix_search_term_instance_id'), table_name='search_term')
    op.drop_table('search_term')
