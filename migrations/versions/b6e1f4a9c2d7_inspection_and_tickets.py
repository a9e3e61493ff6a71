"""Quarterly inspection, responsibility and red and white tickets: the org structure's
history, checklist items, ticket rules, inspections with sample, findings and kept reports,
tickets (§8.5-§8.7; issue 22)

Revision ID: b6e1f4a9c2d7
Revises: a7c3e9d1f5b2, c8f2a6d4e1b3
Create Date: 2026-12-07 09:40:00.000000

"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "b6e1f4a9c2d7"
down_revision = ("a7c3e9d1f5b2", "c8f2a6d4e1b3")  # also joins the two heads
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inspection_department_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("head_id", sa.Integer(), nullable=True),
        sa.Column("leader_in_charge_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_inspection_department_history",
        "inspection_department_history",
        ["department_id", "valid_from"],
    )
    op.create_table(
        "inspection_person_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_inspection_person_history", "inspection_person_history", ["user_id", "valid_from"]
    )
    op.create_table(
        "inspection_checklist_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("name_zh", sa.String(length=128), nullable=True),
        sa.Column("responsibility", sa.String(length=16), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "inspection_ticket_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("period_first", sa.Date(), nullable=False),
        sa.Column("period_last", sa.Date(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=True),
        sa.Column("sample_rate", sa.Float(), nullable=True),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "inspection_sample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["checked_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inspection_id", "instance_id", name="uq_inspection_sample"),
    )
    op.create_index(
        op.f("ix_inspection_sample_inspection_id"), "inspection_sample", ["inspection_id"]
    )
    op.create_table(
        "inspection_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("responsibility", sa.String(length=16), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("action_at", sa.DateTime(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["org_department.id"]),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["responsible_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["sample_id"], ["inspection_sample.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["process_task.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_inspection_finding_inspection_id"), "inspection_finding", ["inspection_id"]
    )
    op.create_table(
        "inspection_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inspection_id", "format", name="uq_inspection_report"),
    )
    op.create_table(
        "inspection_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("quarter", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("overtime_id", sa.Integer(), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("rule_code", sa.String(length=32), nullable=True),
        sa.Column("source_key", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("appeal_text", sa.Text(), nullable=True),
        sa.Column("appealed_at", sa.DateTime(), nullable=True),
        sa.Column("appeal_decider_id", sa.Integer(), nullable=True),
        sa.Column("appeal_decision", sa.String(length=16), nullable=True),
        sa.Column("appeal_reason", sa.Text(), nullable=True),
        sa.Column("appeal_decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["appeal_decider_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["org_department.id"]),
        sa.ForeignKeyConstraint(["finding_id"], ["inspection_finding.id"]),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"]),
        sa.ForeignKeyConstraint(["issued_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["overtime_id"], ["process_overtime.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule_code", "source_key", name="uq_inspection_ticket_source"),
    )
    op.create_index("ix_inspection_ticket_person", "inspection_ticket", ["person_id", "status"])
    op.create_index(
        "ix_inspection_ticket_department", "inspection_ticket", ["department_id", "quarter"]
    )
    op.create_index(
        op.f("ix_inspection_ticket_inspection_id"), "inspection_ticket", ["inspection_id"]
    )
    op.create_index(
        "ix_inspection_instance_submitted",
        "process_instance",
        ["submitted_at", "definition_id", "initiator_id", "status", "id"],
    )
    # The structure as it stands is what the history knows of the time before it was kept.
    since = datetime(1970, 1, 1)
    op.execute(
        sa.text(
            "INSERT INTO inspection_department_history"
            " (department_id, head_id, leader_in_charge_id, valid_from)"
            " SELECT id, head_id, leader_in_charge_id, :since FROM org_department"
        ).bindparams(since=since)
    )
    op.execute(
        sa.text(
            "INSERT INTO inspection_person_history (user_id, department_id, valid_from)"
            " SELECT id, department_id, :since FROM ab_user"
        ).bindparams(since=since)
    )


def downgrade():
    op.drop_index("ix_inspection_instance_submitted", table_name="process_instance")
    op.drop_table("inspection_ticket")
    op.drop_table("inspection_report")
    op.drop_table("inspection_finding")
    op.drop_table("inspection_sample")
    op.drop_table("inspection")
    op.drop_table("inspection_ticket_rule")
    op.drop_table("inspection_checklist_item")
    op.drop_table("inspection_person_history")
    op.drop_table("inspection_department_history")
