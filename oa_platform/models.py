"""Every table of the platform, imported in one place for Alembic and schema tests."""

from flask_appbuilder import Model
from flask_appbuilder.security.sqla import models as fab_models

from form_builder import attachments as attachment_models
from form_builder import models as definition_models
from oa_platform import idempotency as idempotency_models
from oa_platform.accounts import models as account_models
from oa_platform.agents import models as agent_models
from oa_platform.discussion import models as discussion_models
from oa_platform.documents import models as document_models
from oa_platform.inspection import models as inspection_models
from oa_platform.library import models as library_models
from oa_platform.notices import models as notice_models
from oa_platform.notifications import models as notification_models
from oa_platform.org import models as org_models
from oa_platform.org import person_terms as person_term_models
from oa_platform.orgchange import models as orgchange_models
from oa_platform.runtime import models as runtime_models
from oa_platform.usage import models as usage_models

metadata = Model.metadata

__all__ = [
    "account_models",
    "agent_models",
    "attachment_models",
    "definition_models",
    "discussion_models",
    "document_models",
    "fab_models",
    "idempotency_models",
    "inspection_models",
    "library_models",
    "metadata",
    "notice_models",
    "notification_models",
    "org_models",
    "orgchange_models",
    "person_term_models",
    "runtime_models",
    "usage_models",
]
