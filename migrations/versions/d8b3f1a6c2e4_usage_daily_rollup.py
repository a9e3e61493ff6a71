"""The usage view's daily rollup (§2.1.1): each closed day's tasks, instances, actions other
than agree and agents' tasks per department, process and node, with handling times in fixed
log-scale buckets (oa_platform/usage/buckets.py: 121 of them), the days rolled up, and two
indexes for the active users (a person's tasks handled and instances submitted by time)

Revision ID: d8b3f1a6c2e4
Revises: f2c8a6d4e1b9
Create Date: 2026-12-07 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d8b3f1a6c2e4"
down_revision = "f2c8a6d4e1b9"
branch_labels = None
depends_on = None

# The bucket count as it was when the tables were made (buckets.COUNT); a later change of the
# resolution comes with its own migration.
BUCKETS = 121


def _histogram() -> list[sa.Column]:
    return [
        sa.Column(f"h{bucket:03d}", sa.Integer(), nullable=False, server_default="0")
        for bucket in range(BUCKETS)
    ]


def upgrade():
    op.create_table(
        "usage_rolled_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rolled_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "usage_task_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=128), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("handled", sa.Integer(), nullable=False),
        sa.Column("with_deadline", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("not_agree", sa.Integer(), nullable=False),
        *_histogram(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_usage_task_day", "usage_task_day", ["day", "department_id"])
    op.create_table(
        "usage_instance_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("started", sa.Integer(), nullable=False),
        sa.Column("finished", sa.Integer(), nullable=False),
        sa.Column("ended_otherwise", sa.Integer(), nullable=False),
        *_histogram(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_usage_instance_day", "usage_instance_day", ["day", "department_id"])
    op.create_table(
        "usage_action_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_usage_action_day", "usage_action_day", ["day", "department_id"])
    op.create_table(
        "usage_agent_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("principal_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_usage_agent_day", "usage_agent_day", ["day", "principal_id"])
    with op.batch_alter_table("process_task", schema=None) as batch_op:
        batch_op.create_index(
            "ix_task_completed_by", ["completed_by_id", "completed_at"], unique=False
        )
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.create_index(
            "ix_instance_initiator_submitted", ["initiator_id", "submitted_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_index("ix_instance_initiator_submitted")
    with op.batch_alter_table("process_task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_completed_by")
    op.drop_index("ix_usage_agent_day", table_name="usage_agent_day")
    op.drop_table("usage_agent_day")
    op.drop_index("ix_usage_action_day", table_name="usage_action_day")
    op.drop_table("usage_action_day")
    op.drop_index("ix_usage_instance_day", table_name="usage_instance_day")
    op.drop_table("usage_instance_day")
    op.drop_index("ix_usage_task_day", table_name="usage_task_day")
    op.drop_table("usage_task_day")
    op.drop_table("usage_rolled_day")
