"""Organisation changes (regulations §2.1.2, §8.4): applied change requests, bulk reassignments

Revision ID: c8f2a6d4e1b3
Revises: d4a1c7e9b2f5
Create Date: 2026-12-07 09:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c8f2a6d4e1b3"
down_revision = "d4a1c7e9b2f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "org_change_applied",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.Column("applied_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["applied_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instance_id"),
    )
    op.create_table(
        "org_bulk_reassignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("to_user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["to_user_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("org_bulk_reassignment")
    op.drop_table("org_change_applied")
