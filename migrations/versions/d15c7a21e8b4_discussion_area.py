"""The discussion area: boards, posts, replies, persons in charge, reports, forbidden terms
and the trail (§8.2, §8.3; seed 2 §8.3)

Revision ID: d15c7a21e8b4
Revises: c8e2a4f6b1d3
Create Date: 2026-12-07 09:05:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d15c7a21e8b4"
down_revision = "c8e2a4f6b1d3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "discussion_board",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["org_company.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["org_department.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("discussion_board", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discussion_board_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_discussion_board_department_id"), ["department_id"], unique=True
        )
    op.create_table(
        "discussion_responder",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["org_department.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("department_id"),
    )
    op.create_table(
        "discussion_forbidden_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["added_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("term"),
    )
    op.create_table(
        "discussion_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("concerns", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("moderation_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["approver_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["board_id"], ["discussion_board.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["org_department.id"]),
        sa.ForeignKeyConstraint(["handler_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("discussion_post", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discussion_post_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_discussion_post_handler_id"), ["handler_id"], unique=False
        )
        batch_op.create_index("ix_discussion_post_board", ["board_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_discussion_post_department", ["department_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_discussion_post_unanswered",
            ["department_id", "created_at", "id", "due_at"],
            unique=False,
            sqlite_where=sa.text("answered_at IS NULL AND status = 'published'"),
            postgresql_where=sa.text("answered_at IS NULL AND status = 'published'"),
        )
    op.create_table(
        "discussion_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("official", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("moderation_reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["post_id"], ["discussion_post.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("discussion_reply", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussion_reply_post_id"), ["post_id"], unique=False)
    op.create_table(
        "discussion_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["post_id"], ["discussion_post.id"]),
        sa.ForeignKeyConstraint(["reply_id"], ["discussion_reply.id"]),
        sa.ForeignKeyConstraint(["reporter_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("discussion_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussion_report_post_id"), ["post_id"], unique=False)
    op.create_table(
        "discussion_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["post_id"], ["discussion_post.id"]),
        sa.ForeignKeyConstraint(["reply_id"], ["discussion_reply.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("discussion_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussion_event_post_id"), ["post_id"], unique=False)


def downgrade():
    op.drop_table("discussion_event")
    op.drop_table("discussion_report")
    op.drop_table("discussion_reply")
    op.drop_table("discussion_post")
    op.drop_table("discussion_forbidden_term")
    op.drop_table("discussion_responder")
    op.drop_table("discussion_board")
