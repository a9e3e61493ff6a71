"""Instance titles per language, from the definition's title template (issues 18, 19).

Revision ID: f2c8a6d4e1b9
Revises: e21d0b0a4d5c
"""

import sqlalchemy as sa
from alembic import op

revision = "f2c8a6d4e1b9"
down_revision = "e21d0b0a4d5c"
branch_labels = None
depends_on = None


# Plain ALTER TABLE (SQLite has ADD and DROP COLUMN): a batch copy of the table would drop
# process_instance, which every runtime table references.


def upgrade():
    # Null: the stored title reads the same in every language (every existing instance).
    op.add_column("process_instance", sa.Column("title_texts", sa.JSON(), nullable=True))


def downgrade():
    op.drop_column("process_instance", "title_texts")
