"""Notices and briefings (regulations §5.1): the released notice, its audience, its readers

Revision ID: d4a1c7e9b2f5
Revises: d15c7a21e8b4
Create Date: 2026-12-07 09:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4a1c7e9b2f5"
down_revision = "d15c7a21e8b4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("unit_name", sa.String(length=255), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("major", sa.Boolean(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=True),
        sa.Column("read_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["org_department.id"]),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"]),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instance_id"),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index("ix_notice_live", ["status", "pinned", "published_at", "id"])
        batch_op.create_index(batch_op.f("ix_notice_author_id"), ["author_id"])
        batch_op.create_index(batch_op.f("ix_notice_department_id"), ["department_id"])
    op.create_table(
        "notice_audience",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"]),
        sa.PrimaryKeyConstraint("kind", "key", "notice_id"),
    )
    with op.batch_alter_table("notice_audience", schema=None) as batch_op:
        batch_op.create_index("ix_notice_audience_notice", ["notice_id"])
    op.create_table(
        "notice_read",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("notice_id", "user_id"),
    )


def downgrade():
    op.drop_table("notice_read")
    with op.batch_alter_table("notice_audience", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_audience_notice")
    op.drop_table("notice_audience")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_department_id"))
        batch_op.drop_index(batch_op.f("ix_notice_author_id"))
        batch_op.drop_index("ix_notice_live")
    op.drop_table("notice")
