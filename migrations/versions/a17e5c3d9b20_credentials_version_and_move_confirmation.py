"""accounts: credentials version, revoked sessions and tokens, confirmed department (issue 17)

Revision ID: a17e5c3d9b20
Revises: 75a53087564d
Create Date: 2027-01-12 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a17e5c3d9b20'
down_revision = '75a53087564d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_revoked_token',
    sa.Column('jti', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('jti')
    )
    with op.batch_alter_table('account_revoked_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_revoked_token_expires_at'), ['expires_at'], unique=False)

    # Plain ADD COLUMN, not batch mode: on SQLite batch mode copies ab_user and drops the
    # old table, which every row pointing at a user forbids once the database has data.
    # SQLite takes the foreign key inline; other databases get it as a constraint.
    op.add_column(
        'ab_user',
        sa.Column('credentials_version', sa.Integer(), server_default='1', nullable=False),
    )
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            'ALTER TABLE ab_user ADD COLUMN confirmed_department_id INTEGER'
            ' REFERENCES org_department (id)'
        )
    else:
        op.add_column(
            'ab_user', sa.Column('confirmed_department_id', sa.Integer(), nullable=True)
        )
        op.create_foreign_key(
            'fk_ab_user_confirmed_department_id_org_department',
            'ab_user',
            'org_department',
            ['confirmed_department_id'],
            ['id'],
        )
    # Every department a user has today counts as confirmed: only moves made from now on
    # wait for Admin before they give a new head the right to reset (§4.1).
    op.execute("UPDATE ab_user SET confirmed_department_id = department_id")


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        # Batch mode copies ab_user and drops the old table, which the rows pointing at
        # users forbid while SQLite enforces foreign keys (the copy keeps every id).
        op.execute('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        if not sqlite:  # SQLite's inline key has no name
            batch_op.drop_constraint(
                'fk_ab_user_confirmed_department_id_org_department', type_='foreignkey'
            )
        batch_op.drop_column('confirmed_department_id')
        batch_op.drop_column('credentials_version')
    if sqlite:
        op.execute('PRAGMA foreign_keys=ON')

    with op.batch_alter_table('account_revoked_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_revoked_token_expires_at'))

    op.drop_table('account_revoked_token')
