"""The people picker's search terms: each account's names, user name and pinyin (issue 19).

Revision ID: b7e4d2a9c5f1
Revises: 9c1d5e7a3f20
"""

import sqlalchemy as sa
from alembic import op

revision = "b7e4d2a9c5f1"
down_revision = "9c1d5e7a3f20"
branch_labels = None
depends_on = None


def upgrade():
    # Binary order on PostgreSQL, as SQLite compares: searches are prefix ranges.
    term = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")
    table = op.create_table(
        "org_person_term",
        sa.Column("term", term, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("term", "user_id"),
    )
    op.create_index("ix_person_term_user", "org_person_term", ["user_id"])
    # The accounts already there get their terms now; new ones get them as they are saved.
    from oa_platform.org.person_terms import terms_of

    users = op.get_bind().execute(
        sa.text("SELECT id, username, first_name, last_name, name_zh FROM ab_user")
    )
    rows = [
        {"term": term, "user_id": user.id}
        for user in users
        for term in sorted(terms_of(user.username, user.first_name, user.last_name, user.name_zh))
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade():
    op.drop_index("ix_person_term_user", table_name="org_person_term")
    op.drop_table("org_person_term")
