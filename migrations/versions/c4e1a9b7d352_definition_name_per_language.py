"""definitions: a definition's name per language (issue 18, definition format 2)

Revision ID: c4e1a9b7d352
Revises: b18c0e5a7d21
Create Date: 2027-01-21 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e1a9b7d352'
down_revision = 'b18c0e5a7d21'
branch_labels = None
depends_on = None


def upgrade():
    # Empty for every definition published so far: format-1 names are one plain string,
    # already in process_definition.name.
    op.add_column('process_definition', sa.Column('name_texts', sa.JSON(), nullable=True))


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        # Batch mode copies the table and drops the old one, which the versions pointing at
        # it forbid while SQLite enforces foreign keys (the copy keeps every id).
        op.execute('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.drop_column('name_texts')
    if sqlite:
        op.execute('PRAGMA foreign_keys=ON')
