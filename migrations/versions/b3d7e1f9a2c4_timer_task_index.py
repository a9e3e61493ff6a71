"""Closing a handled task's timers finds them by task through an index instead of reading
every timer (issue 16: the close scanned 1,010,000 timers at full size)

Revision ID: b3d7e1f9a2c4
Revises: f19d4b8e6a73
Create Date: 2026-12-07 07:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b3d7e1f9a2c4"
down_revision = "f19d4b8e6a73"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_timer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_process_timer_task_id"), ["task_id"], unique=False)


def downgrade():
    with op.batch_alter_table("process_timer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_timer_task_id"))
