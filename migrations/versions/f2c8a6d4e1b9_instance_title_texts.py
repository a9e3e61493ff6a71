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


def upgrade():
    # Null: the stored title reads the same in every language (every existing instance).
    with op.batch_alter_table("process_instance") as batch:
        batch.add_column(sa.Column("title_texts", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("process_instance") as batch:
        batch.drop_column("title_texts")
