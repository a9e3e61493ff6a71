"""audit chain heads on instances and signed audit checkpoints (§6.1)

Revision ID: 75a53087564d
Revises: e04fafd55dce
Create Date: 2026-12-08 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '75a53087564d'
down_revision = 'e04fafd55dce'
branch_labels = None
depends_on = None

GENESIS = '0' * 64


def upgrade():
    # Each chain's head (entries, last hash) beside the trail, so deleting the trail's last
    # rows no longer goes unnoticed (runtime/audit.py).
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('audit_count', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.add_column(
            sa.Column('audit_head', sa.String(length=64), nullable=False, server_default=GENESIS)
        )
    # Existing instances: the head is where their trail ends today. A trail cut short before
    # this revision cannot be told from one that ended there; from now on it can.
    op.execute(
        "UPDATE process_instance SET"
        " audit_count = (SELECT MAX(a.seq) FROM process_audit AS a"
        "  WHERE a.instance_id = process_instance.id),"
        " audit_head = (SELECT a.hash FROM process_audit AS a"
        "  WHERE a.instance_id = process_instance.id ORDER BY a.seq DESC LIMIT 1)"
        " WHERE EXISTS (SELECT 1 FROM process_audit AS a"
        "  WHERE a.instance_id = process_instance.id)"
    )

    # Signed checkpoints of the heads (runtime/audit_checkpoints.py).
    op.create_table('process_audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('process_audit_checkpoint', schema=None) as batch_op:
        batch_op.create_index(
            'ix_audit_checkpoint_instance', ['instance_id', 'entries'], unique=False
        )
        batch_op.create_index(
            'uq_audit_checkpoint_run',
            ['run'],
            unique=True,
            sqlite_where=sa.text('instance_id IS NULL'),
            postgresql_where=sa.text('instance_id IS NULL'),
        )


def downgrade():
    with op.batch_alter_table('process_audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_index('uq_audit_checkpoint_run')
        batch_op.drop_index('ix_audit_checkpoint_instance')

    op.drop_table('process_audit_checkpoint')
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not the batch mode's copy of the
    # table: dropping the old copy trips the foreign keys of every row referring to it.
    op.drop_column('process_instance', 'audit_head')
    op.drop_column('process_instance', 'audit_count')
