"""Timers name their subject (a kind and an id), so things that are not process instances
(a discussion post's reminders) are timed by the timer service too (issue 21).

Every existing timer is a process instance's: it becomes subject ``process`` with its
instance's id and keeps firing as before (pending, running and failed ones alike).

Revision ID: c4e8a2f6b1d7
Revises: b7e4d2a9c5f1
"""

import sqlalchemy as sa
from alembic import op

revision = "c4e8a2f6b1d7"
down_revision = "b7e4d2a9c5f1"
branch_labels = None
depends_on = None

_PENDING = sa.text("state = 'pending'")


def upgrade():
    # Added and filled in place first, so the batch below copies complete rows.
    op.add_column(
        "process_timer",
        sa.Column("subject_kind", sa.String(length=32), nullable=False, server_default="process"),
    )
    op.add_column("process_timer", sa.Column("subject_id", sa.Integer(), nullable=True))
    op.execute("UPDATE process_timer SET subject_id = instance_id")
    # SQLite alters a column's nullability only by copying the table (nothing refers to
    # process_timer, so the copy is safe); PostgreSQL alters in place.
    with op.batch_alter_table("process_timer", schema=None) as batch_op:
        # The model names each timer's subject; no default hides a writer that forgot it.
        batch_op.alter_column(
            "subject_kind", existing_type=sa.String(length=32), server_default=None
        )
        batch_op.alter_column("subject_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("instance_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            "ck_timer_process_subject", "subject_kind <> 'process' OR instance_id = subject_id"
        )
        batch_op.create_index(
            "ix_timer_subject_pending",
            ["subject_kind", "subject_id"],
            unique=False,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        )


def downgrade():
    # Timers of other subjects cannot be kept without their subject: they are dropped (the
    # discussion's reminders are then not sent; the posts keep their deadlines).
    op.execute("DELETE FROM process_timer WHERE subject_kind <> 'process'")
    with op.batch_alter_table("process_timer", schema=None) as batch_op:
        batch_op.drop_index("ix_timer_subject_pending")
        batch_op.drop_constraint("ck_timer_process_subject", type_="check")
        batch_op.alter_column("instance_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("subject_id")
        batch_op.drop_column("subject_kind")
