"""covering inbox index

Revision ID: e4b8c2f6a1d7
Revises: d3a9e7c1b2f4
Create Date: 2026-12-05 08:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e4b8c2f6a1d7'
down_revision = 'd3a9e7c1b2f4'
branch_labels = None
depends_on = None


def upgrade():
    # The to-do list and the badge counts read every open task of the user; with the columns
    # they test in the index, no task row is read (benchmarks: a user with 1,093 open tasks,
    # 1,000,000 in all, SQLite: page 5.3 -> 3.0 ms, counts 4.3 -> 2.2 ms).
    with op.batch_alter_table('process_task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_inbox')
        batch_op.create_index(
            'ix_task_inbox',
            ['assignee_id', 'status', 'blocking', 'due_at', 'instance_id', 'opened_at'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('process_task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_inbox')
        batch_op.create_index('ix_task_inbox', ['assignee_id', 'status', 'due_at'], unique=False)
