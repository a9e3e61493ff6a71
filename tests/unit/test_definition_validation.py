"""Publish-time validation (regulations §3.2: IT publishes only what works): every kind of
problem is refused with a message naming the node or field it concerns."""

from __future__ import annotations

import copy

import pytest

from form_builder.exceptions import DefinitionFormatError
from form_builder.format import load_document
from form_builder.validator import validate
from plugins.registry import node_types


class FakeDirectory:
    users = {"leader", "mc", "finance"}
    roles = {"Management Center", "HR"}
    departments = {"IT": 1, "GRP/FIN": 2}

    def active_user_exists(self, username):
        return username in self.users

    def role_exists(self, name):
        return name in self.roles

    def department_exists(self, code):
        return code in self.departments

    def department_id(self, code):
        return self.departments.get(code)

    def company_exists(self, code):
        return code == "GRP"

    def position_exists(self, name):
        return name == "Director"


def leave() -> dict:
    """A small valid definition: start -> head -> (days > 3: leader) -> end."""
    return {
        "format": 1,
        "key": "leave",
        "name": "Leave",
        "category": "HR",
        "department": "IT",
        "fields": [
            {"key": "days", "type": "number", "label": "Days", "required": True, "min": 0.5},
            {"key": "reason", "type": "textarea", "label": "Reason"},
            {
                "key": "items",
                "type": "table",
                "label": "Items",
                "columns": [{"key": "amount", "type": "money", "label": "Amount"}],
            },
            {
                "key": "total",
                "type": "computed",
                "label": "Total",
                "expression": "sum(items.amount)",
                "result": "money",
            },
        ],
        "nodes": [
            {"id": "start", "type": "start", "name": "Apply"},
            {
                "id": "head",
                "type": "approval",
                "name": "Head",
                "assignee": {"rule": "department_head"},
                "field_access": {"reason": "read"},
            },
            {
                "id": "leader",
                "type": "approval",
                "name": "Leader",
                "assignee": {"rule": "leader_in_charge"},
            },
            {"id": "end", "type": "end", "name": "Done"},
        ],
        "edges": [
            {"from": "start", "to": "head"},
            {"from": "head", "to": "leader", "condition": "days > 3"},
            {"from": "head", "to": "end", "default": True},
            {"from": "leader", "to": "end"},
        ],
    }


def messages(document: dict) -> list[str]:
    return [str(p) for p in validate(load_document(document), node_types(), FakeDirectory())]


def one_problem(document: dict):
    problems = validate(load_document(document), node_types(), FakeDirectory())
    assert len(problems) == 1, problems
    return problems[0]


def test_a_sound_definition_has_no_problems():
    assert messages(leave()) == []


def test_unreachable_node_is_named():
    doc = leave()
    doc["nodes"].insert(
        3, {"id": "orphan", "type": "notify", "name": "CC", "assignee": {"rule": "initiator"}}
    )
    doc["edges"].append({"from": "orphan", "to": "end"})
    problem = one_problem(doc)
    assert problem.node == "orphan"
    assert problem.message == "node 'orphan' cannot be reached from the start"


def test_node_without_path_to_an_end_is_named():
    doc = leave()
    doc["edges"].remove({"from": "leader", "to": "end"})
    found = messages(doc)
    assert "$.nodes: node 'leader' has no path to an end" in found
    assert "$.edges: node 'leader' has no outgoing edge" in found


def test_task_node_without_assignee_rule_is_refused():
    doc = leave()
    del doc["nodes"][2]["assignee"]
    problem = one_problem(doc)
    assert (problem.node, problem.path) == ("leader", "$.nodes[2]")
    assert "node 'leader': no assignee rule" in problem.message


def test_unknown_field_in_a_condition_is_named():
    doc = leave()
    doc["edges"][1]["condition"] = "dayz > 3"
    problem = one_problem(doc)
    assert problem.path == "$.edges[1].condition"
    assert problem.node == "head"
    assert "condition of edge head -> leader" in problem.message
    assert "dayz" in problem.message


def test_unknown_field_in_visibility_and_field_access_is_named():
    doc = leave()
    doc["fields"][1]["visible_if"] = "kind == 'sick'"
    doc["nodes"][1]["field_access"]["remarks"] = "edit"
    found = validate(load_document(doc), node_types(), FakeDirectory())
    assert {(p.field, p.node) for p in found} == {("reason", None), ("remarks", "head")}
    assert any(
        "visibility condition of field 'reason'" in p.message and "kind" in p.message for p in found
    )
    assert any(
        p.message == "node 'head': field access names unknown field 'remarks'" for p in found
    )


def test_a_section_condition_may_not_read_a_field_it_hides():
    doc = leave()
    doc["fields"].insert(1, {"key": "more", "type": "section", "label": "More"})
    doc["fields"][1]["visible_if"] = "reason != ''"  # reason is under the section
    problem = one_problem(doc)
    assert (problem.path, problem.field) == ("$.fields[1].visible_if", "more")
    assert "section 'more' reads field 'reason', which the section hides" in problem.message
    doc["fields"][1]["visible_if"] = "days > 3"  # days is above it
    assert validate(load_document(doc), node_types(), FakeDirectory()) == []


def test_expression_syntax_error_is_refused_with_its_place():
    doc = leave()
    doc["edges"][1]["condition"] = "days >> > 3"
    problem = one_problem(doc)
    assert problem.path == "$.edges[1].condition"
    assert "condition of edge head -> leader" in problem.message


def test_expression_type_errors_are_refused():
    doc = leave()
    doc["edges"][1]["condition"] = "days + 'x' > 3"
    doc["fields"][3]["expression"] = "reason"  # text is not money
    found = validate(load_document(doc), node_types(), FakeDirectory())
    assert {p.path for p in found} == {"$.edges[1].condition", "$.fields[3].expression"}
    assert all("type" in p.message or "must give" in p.message for p in found), found


def test_condition_must_give_yes_or_no():
    doc = leave()
    doc["edges"][1]["condition"] = "days + 1"
    assert "boolean" in one_problem(doc).message


def test_parallel_split_without_matching_join_is_refused():
    doc = leave()
    doc["nodes"][1:1] = [
        {"id": "split", "type": "parallel_split", "name": "Split"},
        {
            "id": "hr",
            "type": "notify",
            "name": "HR copy",
            "assignee": {"role": "HR", "rule": "role"},
        },
        {"id": "join", "type": "parallel_join", "name": "Join"},
    ]
    doc["edges"][0] = {"from": "start", "to": "split"}
    doc["edges"] += [
        {"from": "split", "to": "head"},
        {"from": "split", "to": "hr"},
        {"from": "hr", "to": "join"},
        {"from": "join", "to": "end"},
    ]
    found = messages(doc)
    assert any("a branch of parallel split 'split' ends without a join" in m for m in found), found
    assert any("parallel join 'join' has no matching parallel split" in m for m in found), found


def test_join_waiting_for_other_edges_than_its_split_branches_is_refused():
    doc = leave()
    doc["nodes"][1:1] = [
        {"id": "split", "type": "parallel_split", "name": "Split"},
        {
            "id": "hr",
            "type": "notify",
            "name": "HR copy",
            "assignee": {"rule": "role", "role": "HR"},
        },
        {"id": "join", "type": "parallel_join", "name": "Join"},
    ]
    doc["edges"] = [
        {"from": "start", "to": "split"},
        {"from": "split", "to": "head"},
        {"from": "split", "to": "hr"},
        {"from": "hr", "to": "join"},
        {"from": "head", "to": "leader", "condition": "days > 3"},
        {"from": "head", "to": "join", "default": True},
        {"from": "leader", "to": "join"},
        {"from": "join", "to": "end"},
    ]
    problem = one_problem(doc)
    assert problem.node == "join"
    assert "waits for 3 incoming edges but parallel split 'split' has 2 branches" in problem.message


def test_duplicate_keys_and_ids_are_refused():
    doc = leave()
    doc["fields"].append({"key": "days", "type": "text", "label": "Days again"})
    doc["nodes"].append(copy.deepcopy(doc["nodes"][2]))
    found = messages(doc)
    assert "$.fields[4].key: field key 'days' is used twice (fields 1 and 5)" in found
    assert "$.nodes[4].id: node id 'leader' is used twice (nodes 3 and 5)" in found


def test_duplicate_option_values_and_table_columns_are_refused():
    doc = leave()
    doc["fields"].append(
        {
            "key": "kind",
            "type": "select",
            "label": "Kind",
            "options": [{"value": "a", "label": "A"}, {"value": "a", "label": "Also A"}],
        }
    )
    doc["fields"][2]["columns"].append({"key": "amount", "type": "text", "label": "Again"})
    found = messages(doc)
    assert "$.fields[4].options: field 'kind': option value 'a' is used twice" in found
    assert "$.fields[2].columns[1].key: field 'items': column key 'amount' is used twice" in found


def test_unknown_node_type_is_refused_naming_the_installed_ones():
    doc = leave()
    doc["nodes"][2]["type"] = "telepathy"
    problem = one_problem(doc)
    assert problem.node == "leader"
    assert problem.message.startswith("node 'leader': unknown node type 'telepathy' (installed: ")
    assert "approval" in problem.message


def test_config_failing_the_node_types_schema_is_refused():
    doc = leave()
    doc["nodes"][2].update(type="collaboration", config={"mode": "percentage"})
    problem = one_problem(doc)
    assert problem.path == "$.nodes[2].config"
    assert problem.message == "node 'leader': the percentage must be given"


def test_assignee_references_are_checked_against_the_organisation():
    doc = leave()
    doc["nodes"][1]["assignee"] = {"rule": "users", "users": ["leader", "ghost"]}
    doc["nodes"][2]["assignee"] = {"rule": "position", "position": "Pope", "department": "XX"}
    found = messages(doc)
    assert (
        "$.nodes[1].assignee: node 'head': user 'ghost' does not exist or is deactivated" in found
    )
    assert "$.nodes[2].assignee: node 'leader': position 'Pope' does not exist" in found
    assert "$.nodes[2].assignee: node 'leader': department 'XX' does not exist" in found


def test_node_cannot_offer_actions_its_type_lacks():
    doc = leave()
    doc["nodes"][1]["actions"] = ["agree", "failed_review"]
    problem = one_problem(doc)
    assert "node 'head': a 'approval' node cannot offer 'failed_review'" in problem.message


def test_loops_are_refused_in_favour_of_rollback():
    doc = leave()
    doc["edges"][3] = {"from": "leader", "to": "head"}
    found = messages(doc)
    assert any("form a loop; use the rollback action" in m for m in found), found


def test_exclusive_choice_needs_exactly_one_default_edge():
    doc = leave()
    doc["edges"][2] = {"from": "head", "to": "end", "condition": "days <= 3"}
    assert "exactly one must be the default" in one_problem(doc).message


def test_defaults_limits_and_patterns_must_fit_the_field():
    doc = leave()
    doc["fields"][0].update(max=0.1, default={"kind": "today"})
    doc["fields"][1]["pattern"] = "([a-z"
    found = messages(doc)
    assert "$.fields[0]: field 'days': min 0.5 is greater than max 0.1" in found
    assert (
        "$.fields[0].default: field 'days': the default 'today' does not fit a number field"
        in found
    )
    assert any(
        m.startswith("$.fields[1].pattern: field 'reason': the pattern is not a valid")
        for m in found
    )


def test_computed_fields_depending_on_each_other_in_a_loop_are_refused():
    doc = leave()
    doc["fields"] += [
        {"key": "a", "type": "computed", "label": "A", "expression": "b + 1", "result": "number"},
        {"key": "b", "type": "computed", "label": "B", "expression": "a + 1", "result": "number"},
    ]
    assert "computed fields depend on each other in a loop" in one_problem(doc).message


@pytest.mark.parametrize(
    ("change", "path", "text"),
    [
        (lambda d: d["fields"][0].update(type="slider"), "$.fields[0].type", "slider"),
        (lambda d: d["fields"][1].update(options=[]), "$.fields[1]", "'options' not allowed"),
        (
            lambda d: d["nodes"][1].update(assignee={"rule": "astrology"}),
            "$.nodes[1].assignee.rule",
            "unknown assignee rule",
        ),
        (lambda d: d.update(format=7), "$.format", "newer than this platform reads"),
    ],
)
def test_schema_violations_name_their_json_path(change, path, text):
    doc = leave()
    change(doc)
    with pytest.raises(DefinitionFormatError) as raised:
        load_document(doc)
    assert any(p.path == path and text in p.message for p in raised.value.problems), raised.value
