"""Form Review (表单审核): checks the form's content; may fail the review (§3.5)."""

from plugins.contract import N_, Action
from plugins.node_types.approval import APPROVAL_ACTIONS, Approval


class FormReview(Approval):
    name = "form_review"
    label = N_("Form review")
    icon = "fa-search"
    actions = (*APPROVAL_ACTIONS, Action.FAILED_REVIEW)
