"""A document keeps its issuing unit's Chinese name beside the English one, frozen when it
issues, so a Chinese reader's list, page and red header read 集团办公室, not Group Office
(issue 20; issue 18's rule that people and units are named in the reader's language).
Documents issued before it take the name their unit has now.

Revision ID: e2b7d4f9a1c6
Revises: f6a2c9e4b8d1
Create Date: 2026-12-07 13:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e2b7d4f9a1c6"
down_revision = "f6a2c9e4b8d1"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("document", sa.Column("issuing_unit_name_zh", sa.String(length=255)))
    connection = op.get_bind()
    units = connection.execute(
        sa.text(
            "SELECT c.code, d.code, d.name_zh FROM org_department d"
            " JOIN org_company c ON c.id = d.company_id WHERE d.name_zh IS NOT NULL"
        )
    ).all()
    # A document names its unit as COMPANY/DEPARTMENT (documents.distribution._department_id).
    for company, department, name_zh in units:
        connection.execute(
            sa.text(
                "UPDATE document SET issuing_unit_name_zh = :name"
                " WHERE issuing_unit = :unit AND direction = 'outgoing'"
            ),
            {"name": f"{name_zh} ({company})", "unit": f"{company}/{department}"},
        )


def downgrade():
    op.drop_column("document", "issuing_unit_name_zh")
