"""notifications: the to-do a notice announces, cleared once it is handled (issue 19)

Revision ID: c19a1d4e7b30
Revises: 5d8d3222e17f
Create Date: 2027-02-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c19a1d4e7b30'
down_revision = '5d8d3222e17f'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('notification', sa.Column('task_id', sa.Integer(), nullable=True))
    op.create_index('ix_notification_task', 'notification', ['task_id'], unique=False)
    # The notices written before: those keyed by their to-do name it, and the ones whose
    # to-do was handled meanwhile are cleared (a head's badge had reached 13).
    op.execute(
        "UPDATE notification SET task_id = CAST(SUBSTR(key, 6) AS INTEGER) "
        "WHERE key LIKE 'task:%' AND kind IN ('task', 'copy', 'reminder', 'overdue')"
    )
    op.execute(
        "UPDATE notification SET read_at = CURRENT_TIMESTAMP "
        "WHERE read_at IS NULL AND task_id IN "
        "(SELECT id FROM process_task WHERE status IN ('done', 'cancelled'))"
    )


def downgrade():
    op.drop_index('ix_notification_task', table_name='notification')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('task_id')
