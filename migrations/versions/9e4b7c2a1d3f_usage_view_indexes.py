"""Indexes for IT's usage view (§2.1.1): tasks by when they were handled, instances by when
they were submitted and finished, so a period's figures read only that period's rows

Revision ID: 9e4b7c2a1d3f
Revises: b6e1f4a9c2d7
Create Date: 2026-12-07 09:20:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "9e4b7c2a1d3f"
down_revision = "b6e1f4a9c2d7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_task", schema=None) as batch_op:
        batch_op.create_index("ix_task_completed", ["completed_at"], unique=False)
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.create_index("ix_instance_submitted", ["submitted_at"], unique=False)
        batch_op.create_index("ix_instance_finished", ["finished_at"], unique=False)


def downgrade():
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_index("ix_instance_finished")
        batch_op.drop_index("ix_instance_submitted")
    with op.batch_alter_table("process_task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_completed")
