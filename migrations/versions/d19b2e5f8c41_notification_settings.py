"""notifications: what each person has mailed and when, and which notices went out (issue 19)

Revision ID: d19b2e5f8c41
Revises: a7c2e9d41b60
Create Date: 2027-02-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd19b2e5f8c41'
down_revision = 'a7c2e9d41b60'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('notification', sa.Column('mailed_at', sa.DateTime(), nullable=True))
    op.create_table(
        'notification_setting',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('email_kinds', sa.JSON(), nullable=False),
        sa.Column('digest_hour', sa.Integer(), nullable=True),
        sa.Column('digest_sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_index(
        'ix_notification_setting_digest_hour', 'notification_setting', ['digest_hour'], unique=False
    )


def downgrade():
    op.drop_index('ix_notification_setting_digest_hour', table_name='notification_setting')
    op.drop_table('notification_setting')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('mailed_at')
