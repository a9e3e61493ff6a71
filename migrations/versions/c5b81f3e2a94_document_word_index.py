"""The document library's word index (two-character Chinese sequences and words) and its
newest-first order (issue 20)

Revision ID: c5b81f3e2a94
Revises: e7d3b5a9c1f2
Create Date: 2026-12-07 06:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5b81f3e2a94"
down_revision = "e7d3b5a9c1f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document_term",
        sa.Column("term", sa.String(length=32), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("term", "document_id"),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index("ix_document_issue_date", ["issue_date", "id"], unique=False)
    _backfill()


def _backfill():
    """Index the documents issued before the index existed."""
    from oa_platform.documents.search import terms

    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, search_text FROM document")).all()
    table = sa.table("document_term", sa.column("term"), sa.column("document_id"))
    for document_id, text in rows:
        found = [{"term": t, "document_id": document_id} for t in sorted(terms(text.lower()))]
        if found:
            connection.execute(table.insert(), found)


def downgrade():
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index("ix_document_issue_date")
    op.drop_table("document_term")
