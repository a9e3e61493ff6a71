"""tasks record who transferred them, apart from agency (§3.4)

Revision ID: e04fafd55dce
Revises: e4b8c2f6a1d7
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e04fafd55dce'
down_revision = 'e4b8c2f6a1d7'
branch_labels = None
depends_on = None

# Before this revision a transfer stored the transferring handler as the new task's
# principal, as if the new handler were their agent (§3.4). Such a task follows, at the same
# node activation, a task its principal transferred (action "transfer", done by them) that
# was nobody's agency task: it was transferred, not delegated. (A task transferred a second
# time had kept the first principal; it is left as it was, the trail tells its story.)
_TRANSFERRED = (
    "EXISTS (SELECT 1 FROM process_task AS old"
    " WHERE old.activation_id = process_task.activation_id AND old.id < process_task.id"
    " AND old.action = 'transfer' AND old.principal_id IS NULL"
    " AND old.completed_by_id = process_task.principal_id)"
)


def upgrade():
    with op.batch_alter_table('process_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transferred_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_process_task_transferred_from_id_ab_user',
            'ab_user',
            ['transferred_from_id'],
            ['id'],
        )
    op.execute(
        "UPDATE process_task SET transferred_from_id = principal_id, principal_id = NULL"
        f" WHERE principal_id IS NOT NULL AND {_TRANSFERRED}"
    )


def downgrade():
    # Back to the old form: the transferring handler as the principal.
    op.execute(
        "UPDATE process_task SET principal_id = transferred_from_id"
        " WHERE principal_id IS NULL AND transferred_from_id IS NOT NULL"
    )
    with op.batch_alter_table('process_task', schema=None) as batch_op:
        batch_op.drop_constraint('fk_process_task_transferred_from_id_ab_user', type_='foreignkey')
        batch_op.drop_column('transferred_from_id')
