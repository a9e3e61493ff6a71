"""Properties of the runtime under random definitions and random actions (hypothesis stateful).

A machine publishes a random valid definition (``tests.strategies.definitions``, naming the
demo organisation), starts instances of it and lets random people take random actions on
their live tasks, valid or not; the initiator revokes, urges, asks and re-initiates, an
administrator retries or skips a node in error. After every step:

- an unfinished (running / returned) instance has a live blocking task someone can act on
  now (open or held), or is in error with a reason;
- nobody has two live tasks at one node activation, and live tasks belong to active
  activations; no node is active twice at once;
- finished instances and drafts have no live blocking task;
- a refused command changed nothing;
- the audit chain verifies (regulations §6.1).
"""

from __future__ import annotations

import itertools
from collections import Counter

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from oa_platform.extensions import db
from oa_platform.runtime import audit, policy
from oa_platform.runtime.commands import ActionRequest
from oa_platform.runtime.exceptions import RuntimeCommandError
from oa_platform.runtime.models import Activation, AuditEntry, Instance, Question, Task
from oa_platform.runtime.services import runtime
from oa_platform.runtime.states import (
    ACTIONABLE_TASK,
    LIVE_TASK,
    ActivationStatus,
    InstanceStatus,
)
from plugins.contract import Action
from tests.conftest import user
from tests.hypothesis_profiles import FULL, examples
from tests.runtime_helpers import publish
from tests.strategies import definitions

INITIATOR = "staff"
PEOPLE = ("admin", "hr", "mc", "leader", "head", "staff", "finance", "auditor", "designer")
KEYS = itertools.count(1)
OPINIONS = st.sampled_from(["", "  ", "Because of the budget", "Agreed, see the note"])
ACTIONS = [str(a) for a in Action]
OUTCOMES: Counter[str] = Counter()  # what the machine did, to prove it did something


def snapshot(instance_id: int) -> tuple:
    """What a refused command must not change."""
    db.session.expire_all()
    instance = db.session.get(Instance, instance_id)
    tasks = db.session.execute(
        select(Task.id, Task.status, Task.action, Task.assignee_id, Task.draft)
        .where(Task.instance_id == instance_id)
        .order_by(Task.id)
    ).all()
    entries = db.session.scalar(select(func.count()).where(AuditEntry.instance_id == instance_id))
    return (instance.status, instance.revision, dict(instance.values), tuple(tasks), entries)


class RuntimeMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.key = ""
        self.nodes: list[str] = []
        self.instances: list[int] = []

    def teardown(self) -> None:
        db.session.rollback()

    # Setting up -------------------------------------------------------------------------

    @initialize(document=definitions(max_fields=0, max_segments=3))
    def publish_definition(self, document) -> None:
        document["key"] = f"prop_{next(KEYS)}"
        publish(document)
        self.key = document["key"]
        self.nodes = [n["id"] for n in document["nodes"]]

    # Helpers ------------------------------------------------------------------------------

    def attempt(self, instance_id: int, command, what: str) -> None:
        """Run a command; a refusal must leave the instance as it was."""
        before = snapshot(instance_id)
        try:
            command()
        except RuntimeCommandError as error:
            db.session.rollback()
            OUTCOMES[f"{what}: refused"] += 1
            event(f"{what}: refused ({type(error).__name__})")
            assert snapshot(instance_id) == before, "a refused command changed the instance"
        else:
            OUTCOMES[f"{what}: done"] += 1
            event(f"{what}: done")

    def live_tasks(self) -> list[Task]:
        db.session.expire_all()
        return list(
            db.session.scalars(
                select(Task)
                .where(Task.instance_id.in_(self.instances), Task.status.in_(LIVE_TASK))
                .order_by(Task.id)
            )
        )

    # Rules --------------------------------------------------------------------------------

    @precondition(lambda self: len(self.instances) < 4)
    @rule()
    def start(self) -> None:
        instance = runtime().submit(user(INITIATOR), self.key, MultiDict())
        self.instances.append(instance.id)
        OUTCOMES[f"started: {instance.status}"] += 1
        event(f"started: {instance.status}")

    @precondition(lambda self: self.instances)
    @rule(data=st.data())
    def act(self, data) -> None:
        self.handler_acts(data)

    @precondition(lambda self: self.instances)
    @rule(data=st.data())
    def act_again(self, data) -> None:  # handlers act more often than anyone else
        self.handler_acts(data)

    @precondition(lambda self: self.instances)
    @rule(data=st.data())
    def act_once_more(self, data) -> None:
        self.handler_acts(data)

    def handler_acts(self, data) -> None:
        tasks = self.live_tasks()
        if not tasks:
            return
        task = data.draw(st.sampled_from(tasks), label="task")
        rt = runtime()
        engine = rt.engine(task.instance, user(task.assignee.username))
        offered = [str(a) for a in policy.offered_actions(engine, task)]
        any_action = data.draw(st.integers(0, 4), label="any action") == 0
        choices = ACTIONS if any_action or not offered else offered
        action = data.draw(st.sampled_from(choices), label="action")
        request: dict = {"opinion": data.draw(OPINIONS, label="opinion")}
        if action == "rollback":
            request["target"] = data.draw(
                st.sampled_from(["previous", "initiator", *self.nodes]), label="target"
            )
            request["resubmit_to_me"] = data.draw(st.booleans(), label="resubmit_to_me")
        elif action in {"add_signature", "transfer"}:
            request["users"] = data.draw(
                st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=2, unique=True),
                label="users",
            )
            request["position"] = data.draw(
                st.sampled_from(["before", "after", "parallel"]), label="position"
            )
        elif action == "reduce_signature":
            others = [t.id for t in policy.removable_signers(engine, task)] or [task.id]
            request["task_ids"] = data.draw(
                st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True),
                label="task_ids",
            )
        if action in {"submit", "draft", "modify_text", "agree", "read"}:
            request["formdata"] = MultiDict()
        actor = task.assignee.username
        if data.draw(st.integers(0, 9), label="someone else") == 0:
            actor = data.draw(st.sampled_from(PEOPLE), label="actor")
        self.attempt(
            task.instance_id,
            lambda: runtime().act(user(actor), task.id, ActionRequest(action, **request)),
            action,
        )

    @precondition(lambda self: self.instances)
    @rule(data=st.data())
    def initiator_acts(self, data) -> None:
        instance_id = data.draw(st.sampled_from(self.instances), label="instance")
        what = data.draw(
            st.sampled_from(["revoke", "urge", "resubmit", "reinitiate", "ask"]), label="what"
        )
        staff = user(INITIATOR)
        rt = runtime()
        if what == "revoke":
            command = lambda: rt.revoke(staff, instance_id, "Changed my mind")  # noqa: E731
        elif what == "urge":
            command = lambda: rt.urge(staff, instance_id, "Please")  # noqa: E731
        elif what == "resubmit":  # a revoked (draft) instance
            command = lambda: rt.submit(  # noqa: E731
                staff, self.key, MultiDict(), instance_id=instance_id
            )
        elif what == "reinitiate":
            command = lambda: self.instances.append(  # noqa: E731
                rt.reinitiate(staff, instance_id, data.draw(OPINIONS, label="reason")).id
            )
        else:
            asked = data.draw(st.sampled_from(PEOPLE), label="asked")
            command = lambda: rt.ask(staff, instance_id, asked, "When?")  # noqa: E731
        self.attempt(instance_id, command, what)

    @precondition(lambda self: self.instances)
    @rule(data=st.data())
    def someone_views_or_answers(self, data) -> None:
        instance_id = data.draw(st.sampled_from(self.instances), label="instance")
        who = user(data.draw(st.sampled_from(PEOPLE), label="who"))
        questions = db.session.scalars(
            select(Question.id).where(Question.instance_id == instance_id)
        ).all()
        if questions and data.draw(st.booleans(), label="answer"):
            question = data.draw(st.sampled_from(questions), label="question")
            self.attempt(instance_id, lambda: runtime().answer(who, question, "Soon"), "answer")
        else:
            self.attempt(instance_id, lambda: runtime().view(who, instance_id), "view")

    @precondition(lambda self: self.instances)
    @rule(data=st.data(), skip=st.booleans())
    def admin_repairs(self, data, skip) -> None:
        db.session.expire_all()
        errored = db.session.scalars(
            select(Instance.id).where(
                Instance.id.in_(self.instances), Instance.status == InstanceStatus.ERROR
            )
        ).all()
        if not errored:
            return
        instance_id = data.draw(st.sampled_from(errored), label="errored")
        admin = user("admin")
        if skip:
            self.attempt(instance_id, lambda: runtime().skip_node(admin, instance_id), "skip")
        else:
            self.attempt(instance_id, lambda: runtime().retry_node(admin, instance_id), "retry")

    # Invariants ---------------------------------------------------------------------------

    @invariant()
    def instances_are_consistent(self) -> None:
        if not self.instances:
            return
        db.session.expire_all()
        for instance_id in self.instances:
            instance = db.session.get(Instance, instance_id)
            tasks = [t for t in instance.tasks if t.status in LIVE_TASK]
            blocking = [t for t in tasks if t.blocking]
            where = (instance_id, instance.status, [(t.node_id, str(t.status)) for t in tasks])
            if instance.status in {InstanceStatus.RUNNING, InstanceStatus.RETURNED}:
                assert any(t.status in ACTIONABLE_TASK for t in blocking), where
                assert instance.error_node is None, where
            elif instance.status is InstanceStatus.ERROR:
                assert instance.error_node and instance.error_detail, where
            else:  # draft, completed, terminated, cancelled
                assert blocking == [], where
            if instance.status is InstanceStatus.RETURNED:
                assert {t.node_id for t in blocking} == {self.nodes[0]}, where
            per_signer = Counter((t.activation_id, t.assignee_id) for t in tasks)
            assert all(n == 1 for n in per_signer.values()), (where, per_signer)
            active = db.session.scalars(
                select(Activation).where(
                    Activation.instance_id == instance_id,
                    Activation.status == ActivationStatus.ACTIVE,
                )
            ).all()
            for task in blocking:
                assert task.activation.status is ActivationStatus.ACTIVE, where
            nodes = Counter(a.node_id for a in active)
            assert all(n == 1 for n in nodes.values()), (where, nodes)

    @invariant()
    def the_audit_chain_verifies(self) -> None:
        assert audit.verify(db.session) == []


SETTINGS = settings(
    max_examples=examples(20),
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_runtime_invariants_hold_under_random_definitions_and_actions(demo):
    OUTCOMES.clear()
    run_state_machine_as_test(RuntimeMachine, settings=SETTINGS)
    print(sorted(OUTCOMES.items()))
    # A full run must have reached the everyday actions; a quick local run (a fifth of the
    # examples, drawn at random) may not, and proves the invariants only.
    if settings.default.max_examples >= FULL:
        done = {what.split(":")[0] for what, n in OUTCOMES.items() if what.endswith("done")}
        assert {"agree", "view"} <= done, OUTCOMES
