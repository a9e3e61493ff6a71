"""An issued document records the yearly disc it was archived on (seed 2 §7.2)

Revision ID: c8e2a4f6b1d3
Revises: b3d7e1f9a2c4
Create Date: 2026-12-07 07:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c8e2a4f6b1d3"
down_revision = "b3d7e1f9a2c4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_disc", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("archived_disc")
