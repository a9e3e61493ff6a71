"""The node-type contract: what every node type, built-in or third-party, declares.

A node type is a class with a few declarations. The designer reads them to offer the type and
generate its configuration form; the publish-time validator reads them to check a definition;
the runtime asks the type what to do when an instance reaches a node of it. Register the class
under the ``oa_platform.node_types`` entry-point group (see docs/plugins.md)::

    [project.entry-points."oa_platform.node_types"]
    sms_notify = "my_package.sms:SmsNotify"

The entry-point name must equal the class's ``name``. Built-in types are registered exactly so,
in this project's pyproject.toml.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import jsonschema
from flask import current_app, has_app_context
from flask_babel import gettext as babel_gettext


class NodeKind(enum.StrEnum):
    """How a node sits in the chain; the validator's graph rules depend on it."""

    START = "start"  # the initiator fills the form; exactly one per definition
    END = "end"  # the instance is finished; at least one
    TASK = "task"  # people act on it; needs an assignee rule
    GATEWAY = "gateway"  # routes on at once (conditions on its outgoing edges)
    SERVICE = "service"  # automatic work without a handler (may run a background job)
    SPLIT = "split"  # parallel split: every outgoing branch runs
    JOIN = "join"  # parallel join: waits for every branch of its split


class Action(enum.StrEnum):
    """The actions of regulations §3.5 (and the runtime's own: transfer, urge)."""

    SUBMIT = "submit"
    AGREE = "agree"
    READ = "read"
    DISAGREE = "disagree"
    ROLLBACK = "rollback"
    TERMINATE = "terminate"
    ADD_SIGNATURE = "add_signature"
    REDUCE_SIGNATURE = "reduce_signature"
    MODIFY_TEXT = "modify_text"
    REVOKE = "revoke"
    FAILED_REVIEW = "failed_review"
    HOLD = "hold"
    DRAFT = "draft"
    TRANSFER = "transfer"
    URGE = "urge"


class PermanentJobError(Exception):
    """Raised by a background job when retrying cannot help (e.g. a refused address)."""


# Actions that count as agreeing (§3.5: a simple "read" is regarded as "agree").
AGREEING = frozenset({Action.AGREE, Action.READ})
# Actions that say no.
REFUSING = frozenset({Action.DISAGREE, Action.FAILED_REVIEW})


@dataclass(frozen=True)
class TaskView:
    """A task as node types see it (a snapshot; change tasks through the context)."""

    id: int
    assignee: str  # user name
    status: str  # waiting, open, held, done, cancelled
    role: str  # "primary", or how an added signer was added: "before", "after", "parallel"
    sequence: int
    action: str | None
    parent_id: int | None
    blocking: bool

    @property
    def live(self) -> bool:
        return self.status in {"waiting", "open", "held"}


class NodeContext(Protocol):
    """What a hook may see and do at one node of one instance (never the database itself).

    Attributes:
        instance_id: the instance's id.
        node: the node as the definition states it (id, name, assignee, config, ...).
        config: the node's ``config`` (already valid against ``config_schema``).
        values: the instance's form values, in their stored JSON form.
        initiator: the initiator's user name.
        arrivals: how many incoming branches have reached this node (parallel joins).
        incoming: how many edges lead into this node.
    """

    instance_id: int
    node: Mapping[str, Any]
    config: Mapping[str, Any]
    values: Mapping[str, Any]
    initiator: str
    arrivals: int
    incoming: int

    def assignees(self) -> list[str]:
        """The user names the node's assignee rule names now (agents applied later, by
        ``create_task``). At a node that ``decides``, never the initiator unless the node's
        ``self_approval`` is ``allow`` (regulations §8.6): they are replaced by the next head
        or the leader in charge (``escalate``), or left out (``skip``; when nobody is left the
        list is empty and the node completes as "skipped" by itself), and the trail says why.
        """

    def tasks(self) -> list[TaskView]:
        """This node's tasks in this activation, oldest first."""

    def create_task(
        self,
        username: str,
        *,
        role: str = "primary",
        waiting: bool = False,
        sequence: int = 0,
        blocking: bool = True,
        parent: TaskView | None = None,
    ) -> TaskView:
        """Give ``username`` a task here (``waiting`` ones are opened later)."""

    def open_task(self, task: TaskView) -> None:
        """Open a waiting task (its handler is told and its deadline starts)."""

    def cancel_task(self, task: TaskView, reason: str) -> None:
        """Cancel a live task nobody needs any more."""

    def complete(self, outcome: str = "agree") -> None:
        """Leave the node; the engine follows :meth:`NodeType.next_edges`."""

    def return_to_initiator(self, reason: str) -> None:
        """Send the instance back to its initiator (e.g. after "disagree")."""

    def terminate(self, reason: str) -> None:
        """End the instance as terminated."""

    def finish(self) -> None:
        """End the instance as completed (end nodes)."""

    def holds(self, expression: str) -> bool:
        """Evaluate a condition over the form values (empty operands: False)."""

    def contacts(self) -> list[tuple[str, str]]:
        """(user name, e-mail) of the people the node's assignee rule names."""

    def set_value(self, key: str, value: Any) -> None:
        """Store a value in a form field, audited as a system change."""

    def notify(self, usernames: Sequence[str], subject: str) -> None:
        """Tell people something in the notification centre (and by e-mail when SMTP is
        configured); the same subject reaches a person once per node visit."""

    def set_timer(self, hours: float, name: str, **data: Any) -> None:
        """Call :meth:`NodeType.on_timer` with ``name`` and ``data`` after ``hours``, if the
        instance is still at this node then. Timers are rows in the database: they survive
        restarts and fire once."""

    def run_job(self, function: str, payload: Mapping[str, Any]) -> None:
        """Run ``function(payload)`` (``"module:function"``) in a background worker once this
        transaction commits, with the type's retries and back-off; its returned mapping
        comes back to :meth:`NodeType.on_job_done`. A job that fails every retry puts the
        instance in error at this node."""

    def audit(self, event: str, **detail: Any) -> None:
        """Add an entry to the instance's audit trail, as a system action."""


def N_(text: str) -> str:
    """Mark ``text`` for the catalogs (``make i18n``) and return it unchanged: a word that is
    translated where it is shown, such as a node or field type's ``label`` and ``category``
    (the designer's palette and the admin pages pass them through gettext)."""
    return text


def gettext(text: str, **params: Any) -> str:
    """``text`` in the request's language, its ``%(name)s`` placeholders filled from
    ``params``: the message of a check a person reads (a field's "is required.").

    Through Flask-Babel where the app has it (the platform); English elsewhere, since
    ``plugins`` and ``form_builder`` also run on a bare Flask app and outside any app. Call it
    when the message is made (a validator's ``__call__``), not at import time: compiled forms
    are cached and shared by readers of every language.
    """
    if has_app_context() and "babel" in current_app.extensions:
        return babel_gettext(text, **params)
    return text % params if params else text


class NodeType:
    """Base class of node types. Subclasses set the class attributes below.

    Attributes:
        name: the type's unique name, used in definitions (``"type": "approval"``) and as the
            entry-point name. Lower case, digits, ``_ . -``.
        label: what the designer's palette shows.
        icon: a Font Awesome icon name (``"fa-check"``) for the palette and the chain graph.
        kind: a :class:`NodeKind`; decides the graph rules the validator applies.
        actions: the actions a node of this type can offer. A definition's node may narrow
            them (its ``actions``, the node permission); it may not add others.
        default_actions: the actions offered when the definition names none.
        designer_actions: the actions a node added in the designer starts with, written into
            its ``actions`` (the common ones, e.g. an approval's agree, disagree, roll back,
            transfer and add a signer, not all eleven); None: the node names none.
        config_labels: what the designer shows for the values of enumerated ``config``
            members, ``{member: {value: N_("label")}}`` (a member's own name and help are
            its schema's ``title`` and ``description``).
        config_schema: JSON Schema (draft 2020-12) of the node's ``config``; the designer
            builds the configuration form from it and publishing checks it.
        config_field_members: the members of ``config`` whose value is the key of one of the
            form's fields (a document number's ``number_field``); the designer renames them
            with the field (``form_builder/rename.py``), a member left at its schema default
            included.
        merges: True for nodes that several branches reach and that wait for them (joins):
            each arrival calls :meth:`on_enter` again on the same activation.
        opinion_required: the actions that need a non-empty opinion at this node (§3.5).
        always_offers: actions a node of this type offers whatever the definition's node
            narrows its actions to (the start node: a returned form can always be resubmitted).
        takes_agents: whether its tasks go to the assignee's agent while they are away (§3.4);
            the start node's do not: initiators resubmit their own forms.
        receives_returns: whether handlers may return the instance here (besides people's
            nodes), and whether leaving it after a return "come straight back to me" goes
            straight back to the node that returned it (the start node, §3.5 回退).
        decides: whether its handlers decide on the request (approve, review, countersign), so
            that §8.6's level-by-level control keeps the initiator off its tasks (the node's
            ``self_approval``: escalate, skip or allow). False for a copy to read (notify).
            Only task nodes (``needs_assignee``) are asked.
        atomic_hooks: the names of its hooks that change nothing before they can fail (they
            only read, choose edges, or do one thing that is checked before it is done). The
            engine runs these without a savepoint, which costs a flush and two statements;
            every other hook runs in one. Leave it empty unless that holds for every input.

    Hooks receive a :class:`NodeContext`; they never touch the database. A hook that raises
    (:meth:`next_edges` included, and a :meth:`next_edges` that chooses no edge) puts the
    instance in error at this node: what the hook did is undone, the action that led to it
    (a handler's "agree") is kept, and an administrator retries or skips the node.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    icon: ClassVar[str] = "fa-square-o"
    kind: ClassVar[NodeKind] = NodeKind.TASK
    actions: ClassVar[tuple[Action, ...]] = ()
    default_actions: ClassVar[tuple[Action, ...] | None] = None
    designer_actions: ClassVar[tuple[Action, ...] | None] = None
    config_labels: ClassVar[Mapping[str, Mapping[str, str]]] = {}
    config_schema: ClassVar[Mapping[str, Any]] = {"type": "object", "additionalProperties": False}
    config_field_members: ClassVar[tuple[str, ...]] = ()
    merges: ClassVar[bool] = False
    always_offers: ClassVar[tuple[Action, ...]] = ()
    takes_agents: ClassVar[bool] = True
    receives_returns: ClassVar[bool] = False
    decides: ClassVar[bool] = True
    atomic_hooks: ClassVar[frozenset[str]] = frozenset()
    # Background jobs (run_job): attempts after the first, and the first back-off in seconds
    # (doubled at each retry), and the time-out a job should keep to.
    job_retries: ClassVar[int] = 3
    job_backoff: ClassVar[float] = 2.0
    # §3.5: on Collaboration "and other" nodes these actions need a reason; Approval and Form
    # Review need one for every action but agree.
    opinion_required: ClassVar[frozenset[Action]] = frozenset(
        {
            Action.DISAGREE,
            Action.ROLLBACK,
            Action.TERMINATE,
            Action.REDUCE_SIGNATURE,
            Action.HOLD,
        }
    )

    @property
    def needs_assignee(self) -> bool:
        """Whether a node of this type must name who handles it."""
        return self.kind is NodeKind.TASK

    def offered_actions(self) -> tuple[Action, ...]:
        """The actions offered when a node names none."""
        return self.actions if self.default_actions is None else self.default_actions

    def validate_config(self, config: Mapping[str, Any]) -> list[str]:
        """Problems with a node's ``config``, each a sentence for the designer; empty if none.

        The default checks ``config_schema``; override to add rules a schema cannot express
        (and call ``super()``).
        """
        # Sentences, not jsonschema's messages (issue 19); imported here because
        # form_builder imports this contract.
        from form_builder.schema_messages import problem

        validator = jsonschema.Draft202012Validator(self.config_schema)
        errors = sorted(validator.iter_errors(dict(config)), key=lambda e: e.json_path)
        return [problem(error) for error in errors]

    # Runtime hooks ------------------------------------------------------------------------

    def on_enter(self, ctx: NodeContext) -> None:
        """The instance reached this node. Default: give each assignee a task."""
        for username in ctx.assignees():
            ctx.create_task(username)

    def on_action(self, ctx: NodeContext, task: TaskView, action: Action) -> None:
        """A handler acted on ``task`` (already recorded). Decide whether the node is done.

        The engine has applied what every action means by itself (hold, transfer, add or
        reduce signature, modify text); this hook decides what the node makes of it.
        Default: the first agreeing action completes the node, a refusing one returns the
        instance to its initiator.
        """
        if action in AGREEING:
            ctx.complete(str(action))
        elif action in REFUSING:
            ctx.return_to_initiator(str(action))

    def on_timer(self, ctx: NodeContext, name: str, data: Mapping[str, Any]) -> None:
        """A timer set with :meth:`NodeContext.set_timer` is due (the instance is still at
        this node). Default: nothing."""

    def on_job_done(self, ctx: NodeContext, result: Mapping[str, Any]) -> None:
        """A job started with :meth:`NodeContext.run_job` finished. Default: complete the node
        with the job's ``outcome``."""
        ctx.complete(str(result.get("outcome", "done")))

    def config_expressions(self, config: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(member, expression) pairs in ``config`` that are conditions over the form's
        fields; publishing checks them like edge conditions. Default: none."""
        return []

    def next_edges(
        self, ctx: NodeContext, edges: Sequence[Mapping[str, Any]]
    ) -> list[Mapping[str, Any]]:
        """Where to go when the node completes: the first edge whose condition holds, else
        the default edge (exclusive choice). Parallel splits return all edges.

        Return some of ``edges`` themselves. Raising, or returning none while the node has
        outgoing edges, stops the instance in error at this node, which stays active: an
        administrator retries (this method is asked again, e.g. once the data or the plugin
        is fixed) or skips to a next node they choose (a split: along every edge)."""
        for edge in edges:
            if "condition" in edge and ctx.holds(edge["condition"]):
                return [edge]
        defaults = [edge for edge in edges if edge.get("default") or "condition" not in edge]
        return defaults[:1]
