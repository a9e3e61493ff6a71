"""runtime: index the tasks by their node activation (issue 19, bulk approval at size)

Every action reads and locks the tasks of its node's activation (``commands/acting.py``'s
step context); without an index that was a scan of every task: 0.4-0.6 s per agree on
PostgreSQL over 1,000,000 tasks, a minute for a bulk agree of 100 (docs/performance.md).

Revision ID: f6a2c9e4b8d1
Revises: c3a9e5f7d1b2
Create Date: 2027-02-08 10:00:00.000000
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f6a2c9e4b8d1'
down_revision = 'c3a9e5f7d1b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_task_activation', 'process_task', ['activation_id'], unique=False)


def downgrade():
    op.drop_index('ix_task_activation', table_name='process_task')
