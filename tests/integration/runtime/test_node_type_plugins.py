"""Node-type plugins at work: the webhook (retries, back-off, SSRF refusal), e-mail and
auto-approval examples; a hook that raises stops only its instance, at its node, until an
administrator retries or skips it; event integrations hear what happened after commit."""

from __future__ import annotations

import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from werkzeug.datastructures import MultiDict

from oa_platform.runtime.commands import ActionRequest
from oa_platform.runtime.services import runtime
from oa_platform.runtime.states import InstanceStatus
from plugins.contract import NodeKind, NodeType
from plugins.events import event_manager, hookimpl
from plugins.registry import Installed, node_types
from tests.conftest import login, user
from tests.runtime_helpers import chain, events, live, node, publish, refresh

DECISION = {"key": "decision", "type": "text", "label": "Decision", "max_length": 50}
AMOUNT = {"key": "amount", "type": "money", "label": "Amount"}


@pytest.fixture
def remote():
    """A local HTTP receiver; ``answers`` is the list of (status, body) it gives in turn."""
    state = {"answers": [], "received": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            state["received"].append(
                json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            )
            status, body = state["answers"].pop(0) if state["answers"] else (200, {})
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_port}/decide"
    yield state
    server.shutdown()
    server.server_close()


def webhook_chain(url: str) -> dict:
    document = chain(
        "vendor_check",
        node("check", "webhook", config={"url": url, "result_field": "decision"}),
        node("head_ok", "approval", ["head"]),
        fields=[DECISION],
    )
    document["edges"] = [
        {"from": "start", "to": "check"},
        {"from": "check", "to": "head_ok", "condition": "decision == 'approved'"},
        {"from": "check", "to": "end", "default": True},
        {"from": "head_ok", "to": "end"},
    ]
    return document


def test_webhook_posts_the_data_and_routes_on_the_answer_after_retries(demo, remote, monkeypatch):
    monkeypatch.setitem(demo.config, "OA_WEBHOOK_ALLOW", ["127.0.0.1"])
    remote["answers"] = [(503, {}), (502, {}), (200, {"outcome": "approved"})]
    publish(webhook_chain(remote["url"]))
    instance = runtime().submit(user("staff"), "vendor_check", MultiDict())
    instance = refresh(instance)
    assert len(remote["received"]) == 3  # two failures retried, then the answer
    assert remote["received"][0]["initiator"] == "staff"
    assert instance.values["decision"] == "approved"
    assert [t.assignee.username for t in live(instance)] == ["head"]
    answered = [e for e in events(instance) if e.event == "webhook_answered"]
    assert answered[0].actor_id is None and answered[0].detail["outcome"] == "approved"


def test_webhook_to_a_private_address_is_refused_and_stops_in_error(demo, remote, monkeypatch):
    assert demo.config["OA_WEBHOOK_ALLOW"] == []  # config.py's default: public addresses only
    publish(webhook_chain(remote["url"]))
    instance = refresh(runtime().submit(user("staff"), "vendor_check", MultiDict()))
    assert remote["received"] == []
    assert (instance.status, instance.error_node) == (InstanceStatus.ERROR, "check")
    assert "private or local address" in instance.error_detail

    monkeypatch.setitem(demo.config, "OA_WEBHOOK_ALLOW", ["127.0.0.1/32"])
    remote["answers"] = [(200, {"outcome": "approved"})]
    instance = refresh(runtime().retry_node(user("admin"), instance.id))
    assert instance.status is InstanceStatus.RUNNING
    assert [t.assignee.username for t in live(instance)] == ["head"]


class Exploding(NodeType):
    """A plugin with a bug: it raises until ``fixed``."""

    name = "exploding"
    label = "Exploding"
    kind = NodeKind.SERVICE
    fixed = False

    def on_enter(self, ctx):
        ctx.audit("about_to_explode")
        if not Exploding.fixed:
            raise RuntimeError("boom: the plugin has a bug")
        ctx.complete("fixed")


@pytest.fixture
def exploding():
    registry = node_types()
    registry.installed["exploding"] = Installed(Exploding(), "tests: Exploding", "0")
    Exploding.fixed = False
    yield
    del registry.installed["exploding"]


def test_a_raising_hook_stops_only_its_instance_until_retried(demo, exploding, client):
    publish(chain("fragile", node("boom", "exploding"), node("head_ok", "approval", ["head"])))
    healthy = runtime().submit(
        user("staff"),
        "leave_request",
        MultiDict(
            {
                "leave_type": "annual",
                "start_date": "2026-12-01",
                "end_date": "2026-12-02",
                "reason": "Family visit",
                "handover_to": "head",
            }
        ),
    )
    broken = refresh(runtime().submit(user("staff"), "fragile", MultiDict({"note": "x"})))
    assert (broken.status, broken.error_node) == (InstanceStatus.ERROR, "boom")
    assert "RuntimeError: boom: the plugin has a bug" in broken.error_detail
    assert "about_to_explode" not in [e.event for e in events(broken)]  # undone with the hook
    assert refresh(healthy).status is InstanceStatus.RUNNING

    login(client, "admin")
    page = client.get("/admin/instance-errors/").get_data(as_text=True)
    assert "boom: the plugin has a bug" in page and "Traceback" in page

    client.post(f"/admin/instance-errors/{broken.id}/retry")
    assert refresh(broken).status is InstanceStatus.ERROR  # still broken
    Exploding.fixed = True
    client.post(f"/admin/instance-errors/{broken.id}/retry")
    broken = refresh(broken)
    assert broken.status is InstanceStatus.RUNNING
    assert [t.assignee.username for t in live(broken)] == ["head"]


def test_a_failing_node_can_be_skipped(demo, exploding):
    publish(chain("fragile", node("boom", "exploding"), node("head_ok", "approval", ["head"])))
    broken = runtime().submit(user("staff"), "fragile", MultiDict({"note": "x"}))
    skipped = refresh(runtime().skip_node(user("admin"), broken.id))
    assert skipped.status is InstanceStatus.RUNNING
    assert [t.assignee.username for t in live(skipped)] == ["head"]
    assert "node_skipped" in [e.event for e in events(skipped)]


def test_auto_approval_approves_small_amounts_by_itself(demo):
    document = chain(
        "small_purchase",
        node(
            "rule",
            "auto_approval",
            ["head"],
            config={"condition": "amount < 1000"},
        ),
        fields=[AMOUNT],
    )
    publish(document)
    small = refresh(
        runtime().submit(user("staff"), "small_purchase", MultiDict({"amount": "120.00"}))
    )
    assert small.status is InstanceStatus.COMPLETED
    approved = [e for e in events(small) if e.event == "auto_approved"]
    assert approved and approved[0].actor_id is None  # a system action
    large = refresh(
        runtime().submit(user("staff"), "small_purchase", MultiDict({"amount": "5000"}))
    )
    assert [t.assignee.username for t in live(large)] == ["head"]


class SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive one message."""

    messages: list[str] = []

    def handle(self):
        self.wfile.write(b"220 sink\r\n")
        data = None
        while line := self.rfile.readline():
            if data is not None:
                if line == b".\r\n":
                    SmtpSink.messages.append(b"".join(data).decode())
                    data = None
                    self.wfile.write(b"250 ok\r\n")
                else:
                    data.append(line)
                continue
            command = line[:4].upper()
            if command == b"DATA":
                data = []
                self.wfile.write(b"354 go on\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_email_node_mails_its_recipients_and_moves_on(demo, monkeypatch):
    server = socketserver.TCPServer(("127.0.0.1", 0), SmtpSink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setitem(demo.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(demo.config, "MAIL_PORT", server.server_address[1])
    SmtpSink.messages.clear()
    document = chain(
        "announce",
        {
            "id": "mail",
            "type": "email",
            "name": "Tell finance",
            "assignee": {"rule": "users", "users": ["finance", "hr"]},
            "config": {"subject": "New announcement", "body": "Please read it."},
        },
    )
    publish(document)
    instance = refresh(runtime().submit(user("staff"), "announce", MultiDict({"note": "hello"})))
    server.shutdown()
    server.server_close()
    assert instance.status is InstanceStatus.COMPLETED
    # Notification mails (the initiator's own to-do, say) use the same server: pick the node's.
    [message] = [m for m in SmtpSink.messages if "Subject: New announcement" in m]
    assert "finance@example.com" in message and "hr@example.com" in message


class Listener:
    def __init__(self):
        self.heard: list[tuple] = []

    @hookimpl
    def instance_started(self, instance_id, definition):
        self.heard.append(("started", definition))

    @hookimpl
    def task_created(self, node_id, assignee):
        self.heard.append(("task", node_id, assignee))

    @hookimpl
    def task_completed(self, node_id, action):
        self.heard.append(("done", node_id, action))

    @hookimpl
    def instance_finished(self, definition, status):
        self.heard.append(("finished", definition, status))


class Broken:
    @hookimpl
    def instance_started(self, instance_id):
        raise RuntimeError("integration bug")


def test_event_integrations_hear_committed_events_and_a_broken_one_harms_nobody(demo):
    listener, broken = Listener(), Broken()
    manager = event_manager()
    manager.register(broken)
    manager.register(listener)
    try:
        publish(chain("tiny", node("head_ok", "approval", ["head"])))
        instance = runtime().submit(user("staff"), "tiny", MultiDict({"note": "x"}))
        [task] = live(refresh(instance))
        runtime().act(user("head"), task.id, ActionRequest("agree"))
    finally:
        manager.unregister(listener)
        manager.unregister(broken)
    assert listener.heard == [
        ("started", "tiny"),
        ("task", "start", "staff"),
        ("done", "start", "submit"),
        ("task", "head_ok", "head"),
        ("done", "head_ok", "agree"),
        ("finished", "tiny", "completed"),
    ]


def test_admins_see_installed_node_types_and_broken_plugins(client):
    from plugins.registry import PluginProblem

    registry = node_types()
    problem = PluginProblem("sms", "sms-plugin 0.1: sms_plugin:Sms", "failed to import: boom")
    registry.problems.append(problem)
    try:
        login(client, "admin")
        page = client.get("/admin/node-types/").get_data(as_text=True)
    finally:
        registry.problems.remove(problem)
    assert "plugins.node_types.webhook:Webhook" in page and "0.1.0" in page
    assert "failed to import: boom" in page and "sms-plugin 0.1" in page
    client.post("/logout/")
    login(client, "staff")
    assert client.get("/admin/node-types/").status_code == 403
