"""accounts: the language each person chose (issue 18)

Revision ID: b18c0e5a7d21
Revises: b91d6f2a4c58
Create Date: 2027-01-20 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b18c0e5a7d21'
down_revision = 'b91d6f2a4c58'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN, not batch mode: on SQLite batch mode copies ab_user and drops the
    # old table, which every row pointing at a user forbids once the database has data.
    op.add_column('ab_user', sa.Column('locale', sa.String(length=16), nullable=True))


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        # Batch mode copies ab_user and drops the old table, which the rows pointing at
        # users forbid while SQLite enforces foreign keys (the copy keeps every id).
        op.execute('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('locale')
    if sqlite:
        op.execute('PRAGMA foreign_keys=ON')
