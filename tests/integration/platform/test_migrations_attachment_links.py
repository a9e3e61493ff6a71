"""Migration b91d6f2a4c58 ties the files existing instances hold to their fields (issue 17,
defect 6): from the fields whose type carries uploads, never from other values."""

from __future__ import annotations

from sqlalchemy import select

from oa_platform.extensions import db
from oa_platform.runtime.models import InstanceAttachment
from tests.conftest import user
from tests.migrated import migrated_demo, replay
from tests.runtime_helpers import form, rt, start

BOTH_DATABASES = True
LINKS_REVISION = "b91d6f2a4c58"  # migrations/versions: instance_attachment


def test_the_migration_attaches_existing_files_to_the_fields_that_hold_them(
    tmp_path, database_kind
):
    with migrated_demo(tmp_path, database_kind):
        claims = [start("staff", "expense_claim"), start("head", "expense_claim")]
        receipts = [(c.id, "receipts", c.values["receipts"][0]["id"]) for c in claims]
        # An id typed into a text field is no attachment, before the revision or after.
        typed = rt().save_draft(
            user("hr"), "leave_request", form("leave_request", reason=receipts[0][2])
        )
        typed_id = typed.id
        replay(LINKS_REVISION)  # from values with no links, as before it
        rows = db.session.execute(
            select(
                InstanceAttachment.instance_id,
                InstanceAttachment.field_key,
                InstanceAttachment.attachment_id,
            )
        )
        found = {tuple(row) for row in rows}
        assert found == set(receipts)
        assert all(instance_id != typed_id for instance_id, _, _ in found)
