"""One policy, everywhere (hypothesis stateful): for random definitions, people and instance
states, the instance page, the REST API (instance, a task's actions, the audit trail) and the
notifications show a person exactly the fields and actions ``runtime/policy.py`` allows; every
action the policy offers succeeds when tried, and every other one is refused without
changing anything.

Definitions are random chains over a few text fields, each node with random field access
(``tests.strategies.chains``); every value written is a marker naming its field, so a value
shown where its field is hidden is found wherever it appears.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from form_builder.compiler import EDIT, HIDDEN, field_access
from oa_platform.extensions import db
from oa_platform.notifications.models import Notification
from oa_platform.runtime import policy
from oa_platform.runtime.engine import Engine
from oa_platform.runtime.models import Instance, Task
from oa_platform.runtime.states import LIVE_TASK
from oa_platform.runtime.visibility import visible_to
from plugins.contract import Action
from plugins.registry import node_types
from tests.api_client import JwtClient
from tests.conftest import login, user
from tests.hypothesis_profiles import examples
from tests.integration.runtime.test_runtime_properties import snapshot
from tests.runtime_helpers import publish
from tests.strategies import chains

PEOPLE = ("admin", "hr", "mc", "leader", "head", "staff", "finance", "auditor")
INITIATOR = "staff"
KEYS = itertools.count(1)
ACTIONS = [str(a) for a in Action if a not in {Action.REVOKE, Action.URGE}]
OUTCOMES: Counter[str] = Counter()
NOBODY_MATCHES = "no active user matches its assignee rule"


@st.composite
def documents(draw) -> dict:
    """A valid definition: a random chain over 1-4 text fields with random field access."""
    fields = [
        {"key": f"t{i}", "type": "text", "label": f"Text {i}"}
        for i in range(draw(st.integers(1, 4)))
    ]
    nodes, edges = draw(chains(fields, 3))
    return {
        "format": 1,
        "key": f"policy_{next(KEYS)}",
        "name": "Policy property",
        "category": "Tests",
        "department": "IT",
        "fields": fields,
        "nodes": nodes,
        "edges": edges,
    }


def _shown_on_page(html: str) -> set[str]:
    return set(re.findall(r'data-oa-field="([a-z0-9_]+)"', html))


def _buttons(html: str) -> list[str]:
    return re.findall(r'data-oa-action="([a-z_]+)"', html)


class PolicyMachine(RuleBasedStateMachine):
    jwt: JwtClient  # the API and the browsers of the test, given by the test
    browsers: dict

    def __init__(self) -> None:
        super().__init__()
        self.document: dict = {}
        self.instances: list[int] = []
        self.writes = itertools.count(1)

    def teardown(self) -> None:
        db.session.rollback()

    @initialize(document=documents())
    def publish_definition(self, document) -> None:
        publish(document)
        self.document = document

    # Helpers ------------------------------------------------------------------------------

    def access(self, node_id: str) -> dict[str, str]:
        return field_access(self.document, node_id)

    def live_tasks(self) -> list[Task]:
        db.session.rollback()  # a new transaction: no engine's memo of the last one
        return list(
            db.session.scalars(
                select(Task)
                .where(Task.instance_id.in_(self.instances), Task.status.in_(LIVE_TASK))
                .order_by(Task.id)
            )
        )

    def request_for(self, data, task: Task, action: str, actor: str) -> dict | None:
        """A body an action would succeed with, as far as its arguments go (None: there is
        no such body, as when everyone already signs at the node)."""
        body: dict = {"action": action, "opinion": "Because of the budget"}
        engine = Engine(db.session, node_types(), task.instance, user(actor).id)
        if action == "rollback":
            body["target"] = "previous"
        elif action in {"add_signature", "transfer"}:
            signers = {t.assignee.username for t in engine.tasks_of(task.activation)}
            free = [p for p in PEOPLE if p not in signers | {actor}]
            if not free:
                return None  # everyone already signs here: nobody to name
            most = 1 if action == "transfer" else min(2, len(free))
            count = data.draw(st.integers(1, most), label="count")
            body["users"] = data.draw(
                st.lists(st.sampled_from(free), min_size=count, max_size=count, unique=True),
                label="users",
            )
            body["position"] = data.draw(
                st.sampled_from(["before", "after", "parallel"]), label="position"
            )
        elif action == "reduce_signature":
            removable = [t.id for t in policy.removable_signers(engine, task)] or [task.id]
            body["task_ids"] = [data.draw(st.sampled_from(removable), label="signer")]
        if action in {"submit", "agree", "read", "modify_text", "draft"}:
            editable = [k for k, a in self.access(task.node_id).items() if a == EDIT]
            n = next(self.writes)
            body["data"] = {key: f"EDIT_{key}_{n}" for key in editable}
        return body

    # Rules --------------------------------------------------------------------------------

    @precondition(lambda self: len(self.instances) < 3)
    @rule()
    def start(self) -> None:
        data = {f["key"]: f"VAL_{f['key']}_" for f in self.document["fields"]}
        body = {"definition": self.document["key"], "data": data}
        answer = self.api("POST", INITIATOR, "/instances", json=body)
        if answer.status_code == 409 and NOBODY_MATCHES in answer.get_json()["message"]:
            event("start: nobody to handle the first node")
            return
        assert answer.status_code == 201, answer.get_json()
        self.instances.append(answer.get_json()["result"]["id"])
        OUTCOMES["started"] += 1

    @precondition(lambda self: self.instances)
    @rule(data=st.data())
    def someone_acts(self, data) -> None:
        tasks = self.live_tasks()
        if not tasks:
            return
        task = data.draw(st.sampled_from(tasks), label="task")
        actor = task.assignee.username
        if actor not in PEOPLE or data.draw(st.integers(0, 9), label="someone else") == 0:
            actor = data.draw(st.sampled_from(PEOPLE), label="actor")
        offered = self.offered_to(actor, task)
        if offered and data.draw(st.integers(0, 4), label="offered") > 0:
            action = data.draw(st.sampled_from(offered), label="action")
        else:
            action = data.draw(st.sampled_from(ACTIONS), label="action")
        body = self.request_for(data, task, action, actor)
        if body is None:
            return
        before = snapshot(task.instance_id)
        answer = self.api("POST", actor, f"/tasks/{task.id}/actions", json=body)
        message = (answer.get_json() or {}).get("message", "")
        if action in offered:
            if answer.status_code == 409 and NOBODY_MATCHES in message:
                assert snapshot(task.instance_id) == before, "a refused action changed things"
                OUTCOMES["offered: nobody at the next node"] += 1
                return
            assert answer.status_code == 200, (action, offered, answer.get_json())
            OUTCOMES[f"offered {action}: done"] += 1
        else:
            assert 400 <= answer.status_code < 500, (action, offered, answer.get_json())
            assert snapshot(task.instance_id) == before, "a refused action changed things"
            OUTCOMES["not offered: refused"] += 1

    @precondition(lambda self: self.instances)
    @rule(data=st.data())
    def the_initiator_revokes_urges_or_starts_again(self, data) -> None:
        instance_id = data.draw(st.sampled_from(self.instances), label="instance")
        command = data.draw(st.sampled_from(["revoke", "urge", "reinitiate"]), label="command")
        db.session.rollback()  # a new transaction: no engine's memo of the last one
        instance = db.session.get(Instance, instance_id)
        staff = user(INITIATOR)
        refusal = {
            "revoke": lambda: policy.revoke_refusal(instance, staff, "start"),
            "urge": lambda: policy.urge_refusal(instance, staff),
            "reinitiate": lambda: policy.reinitiate_refusal(instance, staff),
        }[command]()
        page = self.page(INITIATOR, instance_id)
        assert (f'id="{command}-form"' in page) is (refusal is None), (command, refusal)
        before = snapshot(instance_id)
        answer = self.api(
            "POST", INITIATOR, f"/instances/{instance_id}/{command}", json={"opinion": "Why"}
        )
        if refusal is None:
            assert answer.status_code == 200, answer.get_json()
            if command == "reinitiate":
                self.instances.append(answer.get_json()["result"]["id"])
            OUTCOMES[f"{command}: done"] += 1
        else:
            assert answer.status_code == 403 and answer.get_json()["message"] == refusal
            assert snapshot(instance_id) == before
            OUTCOMES[f"{command}: refused"] += 1

    @precondition(lambda self: self.instances)
    @rule(data=st.data())
    def someone_looks(self, data) -> None:
        """What a person is shown is what the policy allows them, on every surface."""
        instance_id = data.draw(st.sampled_from(self.instances), label="instance")
        who = data.draw(st.sampled_from(PEOPLE), label="who")
        db.session.rollback()  # a new transaction: no engine's memo of the last one
        person = user(who)
        visible = db.session.scalar(
            select(Instance.id).where(Instance.id == instance_id, visible_to(person))
        )
        answer = self.api("GET", who, f"/instances/{instance_id}")
        if visible is None:
            assert answer.status_code == 404
            assert self.page_status(who, instance_id) == 404
            return
        instance = db.session.get(Instance, instance_id)
        readable = policy.readable_fields(instance, person)
        hidden = {key for key, level in readable.items() if level == HIDDEN}
        shown = answer.get_json()["result"]
        assert set(shown["values"]) == {k for k in instance.values if k not in hidden}
        page = self.page(who, instance_id)
        assert _shown_on_page(page) == set(readable) - hidden
        trail = self.api("GET", who, f"/instances/{instance_id}/audit").get_json()["result"]
        notices = db.session.scalars(
            select(Notification).where(Notification.user_id == person.id)
        ).all()
        told = json.dumps([(n.subject, n.link) for n in notices])
        for key in hidden:
            for surface in (json.dumps(shown), page, json.dumps(trail), told):
                assert f"_{key}_" not in surface, (who, key)
        engine = Engine(db.session, node_types(), instance, person.id)
        mine = policy.actionable_tasks(instance, person)
        by_api = {t["id"]: t.get("actions") for t in shown["tasks"]}
        for task in mine:
            expected = [str(a) for a in policy.offered_actions(engine, task)]
            assert by_api[task.id] == expected
            assert _buttons(self.page(who, instance_id, task.id)) == expected
        assert not [t for t, actions in by_api.items() if actions and t not in {m.id for m in mine}]
        OUTCOMES["looked"] += 1

    # Clients ------------------------------------------------------------------------------

    def offered_to(self, who: str, task: Task) -> list[str]:
        """The actions the API offers ``who`` on ``task`` (none unless it is theirs now)."""
        answer = self.api("GET", who, f"/instances/{task.instance_id}")
        if answer.status_code != 200:
            return []
        tasks = {t["id"]: t for t in answer.get_json()["result"]["tasks"]}
        return tasks.get(task.id, {}).get("actions", [])

    def page(self, who: str, instance_id: int, task_id: int | None = None) -> str:
        query = f"?task={task_id}" if task_id else ""
        # The initiator's revoked instance is their draft again: its page is the start form.
        answer = self.browser(who).get(f"/instances/{instance_id}{query}", follow_redirects=True)
        assert answer.status_code == 200, (who, instance_id, answer.status_code)
        return answer.get_data(as_text=True)

    def page_status(self, who: str, instance_id: int) -> int:
        return self.browser(who).get(f"/instances/{instance_id}").status_code

    def browser(self, who: str):
        """A browser signed in as ``who`` (kept for the whole test, as its JWT is)."""
        if who not in self.browsers:
            self.browsers[who] = self.jwt.client.application.test_client()
            login(self.browsers[who], who)
        return self.browsers[who]

    def api(self, method: str, who: str, path: str, **kwargs):
        return self.jwt(method, who, path, **kwargs)


SETTINGS = settings(
    max_examples=examples(40),
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_page_api_trail_and_notices_show_exactly_what_the_policy_allows(client):
    OUTCOMES.clear()
    machine = type("Machine", (PolicyMachine,), {"jwt": JwtClient(client), "browsers": {}})
    run_state_machine_as_test(machine, settings=SETTINGS)
    print(sorted(OUTCOMES.items()))
    assert OUTCOMES["looked"] and OUTCOMES["not offered: refused"], OUTCOMES
    assert any(what.startswith("offered ") for what in OUTCOMES), OUTCOMES
