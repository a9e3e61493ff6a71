"""The shared file library (seed 2 §7.1): folders with their audience, files, versions, the
word index and the trail

Revision ID: a7c3e9d1f5b2
Revises: d4a1c7e9b2f5
Create Date: 2026-12-07 09:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e9d1f5b2"
down_revision = "d4a1c7e9b2f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "library_folder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["org_company.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["org_department.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "department_id", "name", name="uq_library_folder_name"),
    )
    op.create_index(
        op.f("ix_library_folder_company_id"), "library_folder", ["company_id"], unique=False
    )
    op.create_table(
        "library_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("folder_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("withdrawn_as", sa.String(length=16), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["folder_id"], ["library_folder.id"]),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["published_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_library_file_listing", "library_file", ["status", "updated_at", "id"], unique=False
    )
    op.create_index(
        "ix_library_file_folder",
        "library_file",
        ["folder_id", "status", "updated_at"],
        unique=False,
    )
    op.create_table(
        "library_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_type", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["library_file.id"]),
        sa.ForeignKeyConstraint(["attachment_id"], ["form_attachment.id"]),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_id", "number", name="uq_library_version"),
    )
    op.create_table(
        "library_term",
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["library_file.id"]),
        sa.PrimaryKeyConstraint("term", "file_id"),
    )
    op.create_index(op.f("ix_library_term_file_id"), "library_term", ["file_id"], unique=False)
    op.create_table(
        "library_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("folder_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["folder_id"], ["library_folder.id"]),
        sa.ForeignKeyConstraint(["file_id"], ["library_file.id"]),
        sa.ForeignKeyConstraint(["actor_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_library_event_folder_id"), "library_event", ["folder_id"], unique=False
    )
    op.create_index(op.f("ix_library_event_file_id"), "library_event", ["file_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_library_event_file_id"), table_name="library_event")
    op.drop_index(op.f("ix_library_event_folder_id"), table_name="library_event")
    op.drop_table("library_event")
    op.drop_index(op.f("ix_library_term_file_id"), table_name="library_term")
    op.drop_table("library_term")
    op.drop_table("library_version")
    op.drop_index("ix_library_file_folder", table_name="library_file")
    op.drop_index("ix_library_file_listing", table_name="library_file")
    op.drop_table("library_file")
    op.drop_index(op.f("ix_library_folder_company_id"), table_name="library_folder")
    op.drop_table("library_folder")
