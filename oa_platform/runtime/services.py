"""The runtime's commands wired to the application: session, node types, org, files."""

from __future__ import annotations

from flask import current_app

from form_builder.attachments import AttachmentStore
from oa_platform.extensions import db
from oa_platform.org.directory import OrgDirectory
from oa_platform.runtime.commands import Runtime
from plugins.registry import node_types


def runtime() -> Runtime:
    """Commands on the request's (or CLI's, or task's) database session."""
    return Runtime(
        db.session, node_types(), OrgDirectory(db.session), AttachmentStore.for_app(current_app)
    )
