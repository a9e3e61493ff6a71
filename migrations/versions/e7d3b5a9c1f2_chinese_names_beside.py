"""organisation: Chinese names beside the English ones (issue 18)

Companies, departments, positions and people keep their name where it was (definitions'
assignee rules, imports and the API name them by it) and take a Chinese name beside it.

Revision ID: e7d3b5a9c1f2
Revises: d19b2e5f8c41
Create Date: 2027-01-21 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7d3b5a9c1f2'
down_revision = 'd19b2e5f8c41'
branch_labels = None
depends_on = None

COLUMNS = [
    ('org_company', 128),
    ('org_department', 128),
    ('org_position', 64),
    ('ab_user', 128),
]


def upgrade():
    # Plain ADD COLUMN, not batch mode: on SQLite batch mode copies the table and drops the
    # old one, which the rows pointing at it forbid once the database has data.
    for table, length in COLUMNS:
        op.add_column(table, sa.Column('name_zh', sa.String(length=length), nullable=True))


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        # Batch mode copies each table and drops the old one, which the rows pointing at it
        # forbid while SQLite enforces foreign keys (the copy keeps every id).
        op.execute('PRAGMA foreign_keys=OFF')
    for table, _length in reversed(COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('name_zh')
    if sqlite:
        op.execute('PRAGMA foreign_keys=ON')
