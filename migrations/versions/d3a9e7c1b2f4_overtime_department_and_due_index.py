"""overtime records keep the handler's department; indexes for the inspection's periods

Revision ID: d3a9e7c1b2f4
Revises: b7e2c4d9a1f3
Create Date: 2026-11-29 17:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3a9e7c1b2f4'
down_revision = 'b7e2c4d9a1f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_overtime', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_process_overtime_department_id_org_department',
            'org_department',
            ['department_id'],
            ['id'],
        )
        batch_op.create_index('ix_overtime_due', ['due_at'], unique=False)
        batch_op.create_index(
            'ix_overtime_department_due', ['department_id', 'due_at'], unique=False
        )
    # Records written before this revision take the handler's department of today.
    op.execute(
        "UPDATE process_overtime SET department_id = "
        "(SELECT department_id FROM ab_user WHERE ab_user.id = process_overtime.handler_id)"
    )


def downgrade():
    with op.batch_alter_table('process_overtime', schema=None) as batch_op:
        batch_op.drop_index('ix_overtime_department_due')
        batch_op.drop_index('ix_overtime_due')
        batch_op.drop_constraint(
            'fk_process_overtime_department_id_org_department', type_='foreignkey'
        )
        batch_op.drop_column('department_id')
