"""Publish-time validation: every problem of a definition, each naming its node or field.

Checks what the JSON Schema cannot: unique keys, the graph (reachability, paths to an end,
loops, split/join pairing, exclusive-choice edges), node types and their configs, assignee
rules against the organisation, field access, expressions (syntax, names, types), defaults
and limits. The node-type registry and the org directory are passed in, so ``form_builder``
stays independent of the runtime; each field's type (``plugins/field_types/``) checks its
own members and defaults.

Every problem is a sentence naming its field, node or edge, in the language of the request
that asked (issue 18; ``words.gettext``): the designer and the versions page show them as
they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from form_builder import expression, titles
from form_builder.chain import Chain
from form_builder.directory import Directory
from form_builder.exceptions import Problem
from form_builder.sections import section_of
from form_builder.values import sample_value
from form_builder.words import gettext as _
from plugins.field_contract import Container
from plugins.fields import field_type

RESERVED_KEYS = {"csrf_token"}  # the form's own hidden field


class NodeTypeSpec(Protocol):
    """What the validator needs of a node type (``plugins.contract.NodeType`` provides it)."""

    name: str
    kind: Any  # a NodeKind; compared by value
    actions: tuple[Any, ...]

    opinion_required: frozenset[Any]  # actions that need an opinion (§3.5)
    decides: bool  # its handlers decide on the request: §8.6 applies (``self_approval``)

    @property
    def needs_assignee(self) -> bool: ...

    def offered_actions(self) -> tuple[Any, ...]: ...

    def validate_config(self, config: Mapping[str, Any]) -> list[str]: ...

    def config_expressions(self, config: Mapping[str, Any]) -> list[tuple[str, str]]: ...


# Far more than any paper form the regulations list; each field costs checking time.
MAX_FIELDS = 300


def validate(
    document: Mapping[str, Any],
    node_types: Mapping[str, NodeTypeSpec],
    directory: Directory | None = None,
) -> list[Problem]:
    """Every problem of a schema-valid document (empty when it may be published).

    Without a ``directory`` the references to users, roles and org units are not checked.
    """
    check = _Check(document, node_types, directory)
    check.fields()
    check.nodes()
    check.edges()
    check.graph()
    check.title()
    return check.problems


class _Check:
    def __init__(self, document, node_types, directory):
        self.doc = document
        self.types = node_types
        self.directory = directory
        self.problems: list[Problem] = []
        self.fields_by_key: dict[str, Mapping[str, Any]] = {}
        for field in document["fields"]:
            self.fields_by_key.setdefault(field["key"], field)
        self.samples = {
            key: sample_value(field)
            for key, field in self.fields_by_key.items()
            if field_type(field).has_value
        }
        self.kinds: dict[str, str] = {}
        for node in document["nodes"]:
            node_type = node_types.get(node["type"])
            if node_type is not None:
                self.kinds.setdefault(node["id"], str(node_type.kind))

    def add(self, path: str, message: str, *, node: str | None = None, field: str | None = None):
        self.problems.append(Problem(path, message, node=node, field=field))

    # Fields ---------------------------------------------------------------------------

    def fields(self) -> None:
        count = len(self.doc["fields"])
        if count > MAX_FIELDS:
            # Checking costs time per field and per pair (scopes, cycles): bounded, so that a
            # designer's check or a submission cannot tie up a worker (issue 17, defect 5).
            self.add(
                "$.fields",
                _(
                    "a form has at most %(most)s fields; this one has %(count)s",
                    most=MAX_FIELDS,
                    count=count,
                ),
            )
            return
        seen: dict[str, int] = {}
        for index, field in enumerate(self.doc["fields"]):
            path = f"$.fields[{index}]"
            key = field["key"]
            if key in seen:
                self.add(
                    f"{path}.key",
                    _(
                        "field key '%(key)s' is used twice (fields %(first)s and %(second)s)",
                        key=key,
                        first=seen[key] + 1,
                        second=index + 1,
                    ),
                    field=key,
                )
            seen.setdefault(key, index)
            if key in RESERVED_KEYS:
                self.add(
                    f"{path}.key",
                    _("field key '%(key)s' is reserved by the form", key=key),
                    field=key,
                )
            self.field(field, path, key, self.samples)
            if "visible_if" in field:
                scope = {k: v for k, v in self.samples.items() if k != key}
                self.expression(
                    field["visible_if"],
                    scope,
                    "boolean",
                    f"{path}.visible_if",
                    _("visibility condition of field '%(key)s'", key=key),
                    field=key,
                )
                if field_type(field).container is Container.SECTION:
                    self.section_condition(field, path)
            if field_type(field).container is Container.ROWS:
                self.columns(field, path)
        self.computed_cycles()

    def section_condition(self, field: Mapping[str, Any], path: str) -> None:
        """A section's condition hides the fields under it: it must not read one of them."""
        try:
            reads = expression.parse(field["visible_if"]).names
        except expression.ExpressionError:
            return  # the expression check has said what is wrong with it
        under = {
            key
            for key, section in section_of(self.doc["fields"]).items()
            if section == field["key"]
        }
        for name in sorted(reads & under):
            self.add(
                f"{path}.visible_if",
                _(
                    "the visibility condition of section '%(section)s' reads field '%(name)s', "
                    "which the section hides: move '%(name)s' above the section",
                    section=field["key"],
                    name=name,
                ),
                field=field["key"],
            )

    def field(self, field, path: str, key: str, scope: Mapping[str, Any]) -> None:
        kind = field_type(field)
        label = _("field '%(key)s'", key=key)
        for member, message in kind.problems(field):
            where = f"{path}.{member}" if member else path
            self.add(where, _("%(where)s: %(problem)s", where=label, problem=message), field=key)
        if "default" in field:
            message = _default_problem(field)
            if message:
                self.add(
                    f"{path}.default",
                    _("%(where)s: %(problem)s", where=label, problem=message),
                    field=key,
                )
        source = kind.expression_of(field)
        if source is not None:
            own = {k: v for k, v in scope.items() if k != key}
            self.expression(
                source,
                own,
                kind.value_type(field).expression_type,
                f"{path}.expression",
                _("expression of computed %(field)s", field=label),
                field=key,
            )

    def columns(self, table, path: str) -> None:
        row_scope = {column["key"]: sample_value(column) for column in table["columns"]}
        seen: set[str] = set()
        for index, column in enumerate(table["columns"]):
            column_path = f"{path}.columns[{index}]"
            if column["key"] in seen:
                self.add(
                    f"{column_path}.key",
                    _(
                        "field '%(key)s': column key '%(column)s' is used twice",
                        key=table["key"],
                        column=column["key"],
                    ),
                    field=table["key"],
                )
            seen.add(column["key"])
            self.field(column, column_path, f"{table['key']}.{column['key']}", row_scope)

    def computed_cycles(self) -> None:
        computed = {
            k: source
            for k, f in self.fields_by_key.items()
            if (source := field_type(f).expression_of(f)) is not None
        }
        uses = {}
        for key, source in computed.items():
            try:
                uses[key] = expression.parse(source).names & computed.keys()
            except expression.ExpressionError:
                uses[key] = set()
        kinds = dict.fromkeys(computed, "task")
        edges = [{"from": used, "to": key} for key, names in uses.items() for used in names]
        for loop in Chain.build(kinds, edges).loops():
            path = " -> ".join(loop)
            self.add(
                "$.fields",
                _("computed fields depend on each other in a loop (%(loop)s)", loop=path),
                field=loop[0],
            )

    def expression(self, source, scope, expect, path, what, *, node=None, field=None) -> None:
        for message in expression.check(source, scope, expect):
            self.add(
                path,
                _("%(where)s: %(problem)s", where=what, problem=message),
                node=node,
                field=field,
            )

    # Nodes ----------------------------------------------------------------------------

    def nodes(self) -> None:
        seen: dict[str, int] = {}
        for index, node in enumerate(self.doc["nodes"]):
            path = f"$.nodes[{index}]"
            node_id = node["id"]
            where = _("node '%(node)s'", node=node_id)
            if node_id in seen:
                self.add(
                    f"{path}.id",
                    _(
                        "node id '%(node)s' is used twice (nodes %(first)s and %(second)s)",
                        node=node_id,
                        first=seen[node_id] + 1,
                        second=index + 1,
                    ),
                    node=node_id,
                )
            seen.setdefault(node_id, index)
            node_type = self.types.get(node["type"])
            if node_type is None:
                installed = ", ".join(sorted(self.types))
                self.add(
                    f"{path}.type",
                    _(
                        "%(where)s: unknown node type '%(type)s' (installed: %(installed)s)",
                        where=where,
                        type=node["type"],
                        installed=installed,
                    ),
                    node=node_id,
                )
            else:
                self.node_type_rules(node, node_type, path, where)
            self.field_access(node, path, where)

    def escalation(self, node, node_type: NodeTypeSpec, path: str, where: str) -> None:
        """An overdue to-do is either moved to the head or acted on automatically (§3.3)."""
        rule = node.get("escalation")
        if rule is None:
            return
        node_id, path = node["id"], f"{path}.escalation"
        if not node_type.needs_assignee:
            message = _(
                "%(where)s: a '%(type)s' node has no handler, so nothing to escalate",
                where=where,
                type=node_type.name,
            )
            self.add(path, message, node=node_id)
            return
        if ("reassign_to" in rule) == ("action" in rule):
            message = _(
                "%(where)s: an escalation either moves the to-do ('reassign_to') or acts "
                "on it ('action'): give exactly one",
                where=where,
            )
            self.add(path, message, node=node_id)
            return
        action = rule.get("action")
        if action is None:
            return
        offered = node.get("actions") or [str(a) for a in node_type.offered_actions()]
        if action not in offered:
            self.add(
                f"{path}.action",
                _(
                    "%(where)s: the escalation's action '%(action)s' is not one the node "
                    "offers (%(offered)s)",
                    where=where,
                    action=action,
                    offered=", ".join(offered),
                ),
                node=node_id,
            )
            return
        access = node.get("field_access", {})
        required = [
            f["key"]
            for f in self.doc["fields"]
            if f.get("required") and access.get(f["key"]) == "edit"
        ]
        if action in {"agree", "read"} and required:
            self.add(
                f"{path}.action",
                _(
                    "%(where)s: an automatic '%(action)s' cannot fill the required fields "
                    "this node edits (%(fields)s)",
                    where=where,
                    action=action,
                    fields=", ".join(required),
                ),
                node=node_id,
            )
        elif (
            action in {str(a) for a in node_type.opinion_required}
            and not (rule.get("opinion") or "").strip()
        ):
            self.add(
                f"{path}.opinion",
                _(
                    "%(where)s: an automatic '%(action)s' needs an opinion (regulations §3.5)",
                    where=where,
                    action=action,
                ),
                node=node_id,
            )

    def node_type_rules(self, node, node_type: NodeTypeSpec, path: str, where: str) -> None:
        node_id = node["id"]
        if node_type.needs_assignee and "assignee" not in node:
            self.add(
                path,
                _("%(where)s: no assignee rule (who handles this node?)", where=where),
                node=node_id,
            )
        if not node_type.needs_assignee and "assignee" in node:
            self.add(
                f"{path}.assignee",
                _(
                    "%(where)s: a '%(type)s' node takes no assignee",
                    where=where,
                    type=node_type.name,
                ),
                node=node_id,
            )
        if "assignee" in node:
            self.assignee(node["assignee"], f"{path}.assignee", where, node_id)
        if "deadline_hours" in node and not node_type.needs_assignee:
            message = _(
                "%(where)s: a '%(type)s' node has no handler, so no deadline",
                where=where,
                type=node_type.name,
            )
            self.add(f"{path}.deadline_hours", message, node=node_id)
        if "self_approval" in node and not (node_type.needs_assignee and node_type.decides):
            message = _(
                "%(where)s: a '%(type)s' node decides nothing, so its initiator cannot "
                "approve their own request (self_approval, regulations §8.6)",
                where=where,
                type=node_type.name,
            )
            self.add(f"{path}.self_approval", message, node=node_id)
        self.escalation(node, node_type, path, where)
        offered = {str(action) for action in node_type.actions}
        for action in node.get("buttons", {}):
            if action not in offered:
                self.add(
                    f"{path}.buttons",
                    _(
                        "%(where)s: a button text for '%(action)s', which a '%(type)s' node "
                        "does not offer",
                        where=where,
                        action=action,
                        type=node_type.name,
                    ),
                    node=node_id,
                )
        for action in node.get("actions", []):
            if action not in offered:
                allowed = ", ".join(sorted(offered)) or _("none")
                self.add(
                    f"{path}.actions",
                    _(
                        "%(where)s: a '%(type)s' node cannot offer '%(action)s' "
                        "(it offers: %(allowed)s)",
                        where=where,
                        type=node_type.name,
                        action=action,
                        allowed=allowed,
                    ),
                    node=node_id,
                )
        config = node.get("config", {})
        problems = node_type.validate_config(config)
        for message in problems:
            self.add(
                f"{path}.config",
                _("%(where)s: %(problem)s", where=where, problem=message),
                node=node_id,
            )
        if not problems:
            for member, source in node_type.config_expressions(config):
                self.expression(
                    source,
                    self.samples,
                    "boolean",
                    f"{path}.config.{member}",
                    _("%(where)s: condition '%(member)s'", where=where, member=member),
                    node=node_id,
                )

    def assignee(self, rule: Mapping[str, Any], path: str, where: str, node_id: str) -> None:
        kind = rule["rule"]
        if kind == "field":
            field = self.fields_by_key.get(rule["field"])
            if field is None:
                self.add(
                    path,
                    _(
                        "%(where)s: assignee field '%(field)s' does not exist",
                        where=where,
                        field=rule["field"],
                    ),
                    node=node_id,
                )
            elif field_type(field).directory_source is None:
                self.add(
                    path,
                    _(
                        "%(where)s: assignee field '%(field)s' is not a user or department picker",
                        where=where,
                        field=rule["field"],
                    ),
                    node=node_id,
                )
            return
        directory = self.directory
        if directory is None:
            return
        if kind == "users":
            for name in rule["users"]:
                if not directory.active_user_exists(name):
                    self.add(
                        path,
                        _(
                            "%(where)s: user '%(user)s' does not exist or is deactivated",
                            where=where,
                            user=name,
                        ),
                        node=node_id,
                    )
        elif kind == "role" and not directory.role_exists(rule["role"]):
            self.add(
                path,
                _("%(where)s: role '%(role)s' does not exist", where=where, role=rule["role"]),
                node=node_id,
            )
        elif kind == "position":
            if not directory.position_exists(rule["position"]):
                self.add(
                    path,
                    _(
                        "%(where)s: position '%(position)s' does not exist",
                        where=where,
                        position=rule["position"],
                    ),
                    node=node_id,
                )
            if "department" in rule and not directory.department_exists(rule["department"]):
                self.add(
                    path,
                    _(
                        "%(where)s: department '%(department)s' does not exist",
                        where=where,
                        department=rule["department"],
                    ),
                    node=node_id,
                )
            if "company" in rule and not directory.company_exists(rule["company"]):
                self.add(
                    path,
                    _(
                        "%(where)s: company '%(company)s' does not exist",
                        where=where,
                        company=rule["company"],
                    ),
                    node=node_id,
                )

    def field_access(self, node, path: str, where: str) -> None:
        for key, access in node.get("field_access", {}).items():
            field = self.fields_by_key.get(key)
            if field is None:
                self.add(
                    f"{path}.field_access.{key}",
                    _(
                        "%(where)s: field access names unknown field '%(key)s'",
                        where=where,
                        key=key,
                    ),
                    node=node["id"],
                    field=key,
                )
            elif access == "edit" and not field_type(field).editable:
                self.add(
                    f"{path}.field_access.{key}",
                    _(
                        "%(where)s: %(type)s field '%(key)s' cannot be edited",
                        where=where,
                        type=field["type"],
                        key=key,
                    ),
                    node=node["id"],
                    field=key,
                )

    # Edges ----------------------------------------------------------------------------

    def edges(self) -> None:
        node_ids = {node["id"] for node in self.doc["nodes"]}
        seen: set[tuple[str, str]] = set()
        outgoing: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
        for index, edge in enumerate(self.doc["edges"]):
            path = f"$.edges[{index}]"
            source, target = edge["from"], edge["to"]
            name = _("edge %(source)s -> %(target)s", source=source, target=target)
            for end in ("from", "to"):
                if edge[end] not in node_ids:
                    self.add(
                        f"{path}.{end}",
                        _("%(where)s: node '%(node)s' does not exist", where=name, node=edge[end]),
                        node=source if end == "to" else None,
                    )
            if (source, target) in seen:
                self.add(path, _("%(edge)s is defined twice", edge=name), node=source)
            seen.add((source, target))
            outgoing.setdefault(source, []).append((index, edge))
            if "condition" in edge:
                self.expression(
                    edge["condition"],
                    self.samples,
                    "boolean",
                    f"{path}.condition",
                    _("condition of %(edge)s", edge=name),
                    node=source,
                )
        for source, edges in outgoing.items():
            self.exclusive_choice(source, edges)

    def exclusive_choice(self, source: str, edges) -> None:
        kind = self.kinds.get(source)
        if kind == "split":
            for index, edge in edges:
                if "condition" in edge or edge.get("default"):
                    self.add(
                        f"$.edges[{index}]",
                        _(
                            "edge %(source)s -> %(target)s: edges leaving parallel split "
                            "'%(source)s' take no condition",
                            source=source,
                            target=edge["to"],
                        ),
                        node=source,
                    )
            return
        conditional = [edge for _, edge in edges if "condition" in edge]
        defaults = [edge for _, edge in edges if edge.get("default")]
        if len(edges) > 1 or conditional:
            if len(defaults) != 1:
                self.add(
                    "$.edges",
                    _(
                        "node '%(node)s': of its outgoing edges exactly one must be the default "
                        "edge (found %(count)s)",
                        node=source,
                        count=len(defaults),
                    ),
                    node=source,
                )
            for index, edge in edges:
                if "condition" not in edge and not edge.get("default"):
                    self.add(
                        f"$.edges[{index}]",
                        _(
                            "edge %(source)s -> %(target)s: needs a condition or must be the "
                            "default edge (node '%(source)s' has several outgoing edges)",
                            source=source,
                            target=edge["to"],
                        ),
                        node=source,
                    )

    # Title ----------------------------------------------------------------------------

    def title(self) -> None:
        for path, message, key in titles.problems(self.doc):
            self.add(path, message, field=key)

    # Graph ----------------------------------------------------------------------------

    def graph(self) -> None:
        kinds = self.kinds
        if len(kinds) != len({node["id"] for node in self.doc["nodes"]}):
            return  # unknown types or duplicate ids already reported; the graph would mislead
        chain = Chain.build(kinds, self.doc["edges"])
        starts = [n for n, k in kinds.items() if k == "start"]
        ends = [n for n, k in kinds.items() if k == "end"]
        if len(starts) != 1:
            self.add(
                "$.nodes",
                _(
                    "a definition needs exactly one start node (found %(count)s)",
                    count=len(starts),
                ),
            )
        if not ends:
            self.add("$.nodes", _("a definition needs at least one end node"))
        for node_id, kind in kinds.items():
            if kind == "start" and chain.predecessors[node_id]:
                self.add(
                    "$.edges",
                    _("start node '%(node)s' cannot have incoming edges", node=node_id),
                    node=node_id,
                )
            if kind == "end" and chain.successors[node_id]:
                self.add(
                    "$.edges",
                    _("end node '%(node)s' cannot have outgoing edges", node=node_id),
                    node=node_id,
                )
            if kind != "end" and not chain.successors[node_id]:
                self.add(
                    "$.edges", _("node '%(node)s' has no outgoing edge", node=node_id), node=node_id
                )
        if starts:
            for node_id in sorted(kinds.keys() - chain.reachable(starts)):
                self.add(
                    "$.nodes",
                    _("node '%(node)s' cannot be reached from the start", node=node_id),
                    node=node_id,
                )
        if ends:
            for node_id in sorted(kinds.keys() - chain.reachable(ends, backwards=True)):
                self.add(
                    "$.nodes",
                    _("node '%(node)s' has no path to an end", node=node_id),
                    node=node_id,
                )
        loops = chain.loops()
        for loop in loops:
            self.add(
                "$.edges",
                _(
                    "edges %(loop)s form a loop; use the rollback action for rework instead",
                    loop=" -> ".join(loop),
                ),
                node=loop[0],
            )
        if not loops:
            for node_id, message in chain.pair_splits()[1]:
                self.add("$.nodes", message, node=node_id)


def _default_problem(field: Mapping[str, Any]) -> str | None:
    """Why a field's default does not fit its type, or None."""
    default, name = field["default"], field["type"]
    kind = field_type(field)
    rule = default["kind"]
    if rule != "literal":
        fits = rule in kind.default_kinds
        if fits:
            return None
        return _("the default '%(rule)s' does not fit a %(type)s field", rule=rule, type=name)
    if rule not in kind.default_kinds:
        return _("a %(type)s field takes no default", type=name)
    value = default["value"]
    if kind.literal_fits(field, value):
        return None
    return _(
        "the default value %(value)s does not fit a %(type)s field", value=repr(value), type=name
    )
