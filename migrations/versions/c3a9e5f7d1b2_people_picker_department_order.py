"""A department's people in the people picker's order (issue 19): name, then id.

Revision ID: c3a9e5f7d1b2
Revises: c4e8a2f6b1d7
"""

from alembic import op

revision = "c3a9e5f7d1b2"
down_revision = "c4e8a2f6b1d7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_user_department_name", "ab_user", ["department_id", "last_name", "first_name", "id"]
    )


def downgrade():
    op.drop_index("ix_user_department_name", table_name="ab_user")
