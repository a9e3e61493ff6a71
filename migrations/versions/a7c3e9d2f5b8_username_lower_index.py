"""An index on lower(username): every case-insensitive look-up of an account (the form
pages' viewer, log-in, the directory, organisation changes) read the whole user table, 60 ms
a page at 100,000 accounts (issue 19, company scale).

Revision ID: a7c3e9d2f5b8
Revises: e2b7d4f9a1c6
Create Date: 2026-12-07 16:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e9d2f5b8"
down_revision = "e2b7d4f9a1c6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_ab_user_username_lower", "ab_user", [sa.text("lower(username)")])


def downgrade():
    op.drop_index("ix_ab_user_username_lower", table_name="ab_user")
