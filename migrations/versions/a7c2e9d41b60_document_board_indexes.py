"""The receipt board reads a page of a large document's unopened recipients in order, and its
counts by unit from an index (issue 20)

Revision ID: a7c2e9d41b60
Revises: e25a7c3f9d18
Create Date: 2026-12-07 06:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c2e9d41b60"
down_revision = "e25a7c3f9d18"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("document_recipient", schema=None) as batch_op:
        batch_op.drop_index("ix_document_recipient_board")
        batch_op.create_index(
            "ix_document_recipient_board",
            ["document_id", "first_opened_at", "unit", "user_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_document_recipient_units",
            ["document_id", "unit", "first_opened_at", "acknowledged_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("document_recipient", schema=None) as batch_op:
        batch_op.drop_index("ix_document_recipient_units")
        batch_op.drop_index("ix_document_recipient_board")
        batch_op.create_index(
            "ix_document_recipient_board", ["document_id", "first_opened_at"], unique=False
        )
