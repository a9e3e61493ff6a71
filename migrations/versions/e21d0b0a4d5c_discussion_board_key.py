"""A discussion board's key: one board per group, suggestions, company and department, so two
first visits creating the boards at once cannot make two (issue 21)

Revision ID: e21d0b0a4d5c
Revises: 9e4b7c2a1d3f
Create Date: 2026-12-07 09:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e21d0b0a4d5c"
down_revision = "9e4b7c2a1d3f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("discussion_board", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=64), nullable=True))
    # The boards already made get the keys commands.ensure_boards gives.
    op.execute(
        "UPDATE discussion_board SET key = CASE kind "
        "WHEN 'company' THEN 'company:' || company_id "
        "WHEN 'department' THEN 'department:' || department_id "
        "ELSE kind END"
    )
    with op.batch_alter_table("discussion_board", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_discussion_board_key"), ["key"])


def downgrade():
    with op.batch_alter_table("discussion_board", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_discussion_board_key"), type_="unique")
        batch_op.drop_column("key")
