"""A document's urgency holds "especially_urgent" (特急, 17 characters): the column was 16
wide, so PostgreSQL refused to issue any 特急 document (SQLite does not enforce the width)
(issue 20)

Revision ID: 9c1d5e7a3f20
Revises: d8b3f1a6c2e4
Create Date: 2026-12-07 12:35:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9c1d5e7a3f20"
down_revision = "d8b3f1a6c2e4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.alter_column(
            "urgency", existing_type=sa.String(length=16), type_=sa.String(length=32)
        )


def downgrade():
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.alter_column(
            "urgency", existing_type=sa.String(length=32), type_=sa.String(length=16)
        )
