"""Cost before work: what a document may ask for, worked out before any resolver runs.

Two checks, both linear in the document whatever its fragments: each fragment is measured
once (memoised) and its figures reused wherever it is spread, so a fragment spread twice in
each of twenty fragments (`F1 { ...F0 ...F0 }` ... `F20`) costs twenty measurements, not 2^20.

- `document_limits_rule`, a validation rule (cached with the document): nesting depth,
  aliases and fragment spreads of each operation, counted as executed (a fragment spread
  twice counts its aliases and spreads twice).
- `query_cost`, once the document is valid and the variables are known: the objects the
  operation may return, in the manner of GitHub's node limit. A connection's page (`first`
  or `last`, else the default page) multiplies what is selected on its edges (and nodes); a list that is
  not paged counts its bound (`first` where it has one, else the cap the domain enforces,
  else a nominal size for catalogue lists that no user input grows); scalars are free.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_interface_type,
    is_list_type,
    is_object_type,
    value_from_ast_untyped,
)
from graphql.utilities import get_operation_ast, type_from_ast

from domain.attachments import MAX_ATTACHMENTS_PER_ORDER
from domain.claims import MAX_CLAIMS_PER_ORDER, MAX_PROOFS
from domain.leads import MAX_LEADS
from domain.quotes import MAX_LINE_ITEMS
from resolvers.node import MAX_IDS
from resolvers.order_children import MAX_CHILD_LIST
from resolvers.pagination import DEFAULT_PAGE, MAX_PAGE

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
# Files per upload request: MAX_UPLOAD_FILES is a setting; this is the most the cost counts.
MAX_UPLOAD_FILES_BOUND = 100

# Caps the domain enforces on what users add, and nominal sizes of catalogue lists (set up by
# the portal's operators, not grown by requests).
INVITATIONS = 100  # providers asked to quote (submitOrder's providerIds)
CATALOGUE = 50
STATUS_CHANGES = 20  # transitions of one order's workflow, waiting for input included
ORDER_STATUSES = 15
NOTIFICATION_KINDS = 10
ERRORS = 10

# The bound of every list of objects that is not a connection's edges (`schema.cost` tests
# that each list field of the schema is here). A field with a `first` argument counts that
# instead (Order.comments, Order.leads), or `last` (Order.timeline), and `nodes` counts its ids.
LIST_BOUNDS: dict[tuple[str, str], int] = {
    ("Query", "activityTypes"): CATALOGUE,
    ("Query", "mdfFunds"): CATALOGUE,
    ("Campaign", "activities"): CATALOGUE,
    ("Provider", "services"): CATALOGUE,
    ("Provider", "offices"): CATALOGUE,
    ("Provider", "activityTypes"): CATALOGUE,
    ("Order", "quotes"): INVITATIONS,
    ("Order", "invitations"): INVITATIONS,
    ("Order", "statusHistory"): STATUS_CHANGES,
    ("Order", "contacts"): 100,
    ("Order", "notificationRecipients"): 100,
    ("OrderConnection", "statusCounts"): ORDER_STATUSES,
    ("Quote", "lineItems"): MAX_LINE_ITEMS,
    ("QuoteComparison", "quotes"): INVITATIONS,
    ("QuoteComparison", "awaiting"): INVITATIONS,
    ("QuoteComparison", "declined"): INVITATIONS,
    ("AddLeadsPayload", "leads"): MAX_LEADS,
    ("AddLeadsPayload", "skippedLeads"): MAX_LEADS,
    ("LeadsAddedEvent", "leads"): MAX_LEADS,
    ("MarkNotificationsReadPayload", "notifications"): 100,
    ("UpdateNotificationPreferencesPayload", "preferences"): NOTIFICATION_KINDS,
    ("Viewer", "notificationPreferences"): NOTIFICATION_KINDS,
    ("Order", "attachments"): MAX_ATTACHMENTS_PER_ORDER,
    ("Order", "claims"): MAX_CLAIMS_PER_ORDER,
    ("Quote", "attachments"): MAX_ATTACHMENTS_PER_ORDER,
    ("Comment", "attachments"): MAX_ATTACHMENTS_PER_ORDER,
    ("MdfClaim", "proofs"): MAX_PROOFS,
    ("AddAttachmentsPayload", "attachments"): MAX_UPLOAD_FILES_BOUND,
    ("AttachmentsAddedEvent", "attachments"): MAX_UPLOAD_FILES_BOUND,
}


def list_bound(type_name: str, field_name: str) -> int | None:
    if field_name == "errors" and type_name.endswith("Payload"):
        return ERRORS
    return LIST_BOUNDS.get((type_name, field_name))


def is_connection(type_: GraphQLNamedType) -> bool:
    return is_object_type(type_) and type_.name.endswith("Connection") and "edges" in type_.fields


# ---------------------------------------------------------------------------------------------
# Depth, aliases and fragment spreads (validation)


@dataclass(frozen=True)
class _Body:
    """What one selection set (an operation's or a fragment's) holds itself, and what it
    spreads: (fragment name, nesting level of the spread)."""

    height: int
    aliases: int
    spreads: list[tuple[str, int]]


@dataclass(frozen=True)
class Figures:
    height: int  # nesting levels below the top selections (introspection fields aside)
    aliases: int
    spreads: int


def _body(selection_set: SelectionSetNode) -> _Body:
    """One walk of a selection set; its nesting is bounded by the parser."""
    height = aliases = 0
    spreads: list[tuple[str, int]] = []

    def walk(node: SelectionSetNode, level: int) -> None:
        nonlocal height, aliases
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    aliases += 1
                if selection.selection_set is None:
                    continue
                if selection.name.value.startswith("__"):  # introspection: not counted for depth
                    outside_depth(selection.selection_set)
                    continue
                height = max(height, level + 1)
                walk(selection.selection_set, level + 1)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set, level)
            elif isinstance(selection, FragmentSpreadNode):
                spreads.append((selection.name.value, level))

    def outside_depth(node: SelectionSetNode) -> None:
        nonlocal aliases
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                aliases += selection.alias is not None
                if selection.selection_set is not None:
                    outside_depth(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                outside_depth(selection.selection_set)
            else:
                spreads.append((selection.name.value, -1))  # -1: no depth (inside introspection)

    walk(selection_set, 0)
    return _Body(height, aliases, spreads)


def fragment_figures(fragments: Mapping[str, FragmentDefinitionNode]) -> dict[str, Figures]:
    """Every fragment's figures, each worked out once, dependencies first, without recursion
    (a chain of fragments may be as long as the document allows). A spread of an unknown
    fragment, or one closing a cycle, counts as a spread only: other rules report those."""
    bodies = {name: _body(definition.selection_set) for name, definition in fragments.items()}
    figures: dict[str, Figures] = {}
    for root in bodies:
        if root in figures:
            continue
        stack = [root]
        visiting = {root}
        while stack:
            name = stack[-1]
            pending = [
                target
                for target, _ in bodies[name].spreads
                if target in bodies and target not in figures and target not in visiting
            ]
            if pending:
                stack.append(pending[0])
                visiting.add(pending[0])
                continue
            figures[name] = _combine(bodies[name], figures)
            stack.pop()
            visiting.discard(name)
    return figures


def _combine(body: _Body, figures: Mapping[str, Figures]) -> Figures:
    height, aliases, spreads = body.height, body.aliases, len(body.spreads)
    for target, level in body.spreads:
        known = figures.get(target)
        if known is None:
            continue
        if level >= 0:
            height = max(height, level + known.height)
        aliases += known.aliases
        spreads += known.spreads
    return Figures(height, aliases, spreads)


def document_limits_rule(max_depth: int, max_aliases: int, max_spreads: int) -> type[ValidationRule]:
    """A validation rule refusing an operation nested deeper than `max_depth` (a top-level
    field is at depth 0), with more than `max_aliases` aliases or more than `max_spreads`
    fragment spreads. Messages of depth and aliases as Strawberry's limiters had them."""

    class DocumentLimitsRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            figures = fragment_figures(fragments)
            for definition in document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    self.check(definition, _combine(_body(definition.selection_set), figures))

        def check(self, operation: OperationDefinitionNode, found: Figures) -> None:
            name = operation.name.value if operation.name else "anonymous"
            if found.height > max_depth:
                self.report_error(
                    GraphQLError(
                        f"'{name}' exceeds maximum operation depth of {max_depth}",
                        operation,
                        extensions={"code": "QUERY_TOO_DEEP", "maxDepth": max_depth},
                    )
                )
            if found.aliases > max_aliases:
                self.report_error(
                    GraphQLError(
                        f"{found.aliases} aliases found. Allowed: {max_aliases}",
                        operation,
                        extensions={"code": "TOO_MANY_ALIASES", "maxAliases": max_aliases},
                    )
                )
            if found.spreads > max_spreads:
                self.report_error(
                    GraphQLError(
                        f"{found.spreads} fragment spreads found (counting each spread of a fragment "
                        f"with what it spreads). Allowed: {max_spreads}",
                        operation,
                        extensions={"code": "TOO_MANY_FRAGMENT_SPREADS", "maxFragmentSpreads": max_spreads},
                    )
                )

    return DocumentLimitsRule


# ---------------------------------------------------------------------------------------------
# Query cost (once the document is valid and the variables known)


class _Cost:
    """The cost of one operation. A fragment's cost (per object it applies to) is worked out
    once per page size it is spread under; the limits rule has bounded fragment chains."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any],
        operation: OperationDefinitionNode,
    ):
        self.schema = schema
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.variables = dict(variables)
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and definition.default_value is not None:
                self.variables[name] = value_from_ast_untyped(definition.default_value)
        self.memo: dict[tuple[str, int | None], int] = {}

    def selection_set(self, node: SelectionSetNode, parent: Any, page: int | None) -> int:
        total = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                narrowed = parent
                if selection.type_condition is not None:
                    narrowed = type_from_ast(self.schema, selection.type_condition) or parent
                total += self.selection_set(selection.selection_set, narrowed, page)
            else:
                total += self.fragment(selection.name.value, page)
        return total

    def fragment(self, name: str, page: int | None) -> int:
        key = (name, page)
        if key not in self.memo:
            self.memo[key] = 0  # a cycle (refused by validation anyway) adds nothing
            definition = self.fragments.get(name)
            if definition is not None:
                condition = type_from_ast(self.schema, definition.type_condition)
                self.memo[key] = self.selection_set(definition.selection_set, condition, page)
        return self.memo[key]

    def field(self, node: FieldNode, parent: Any, page: int | None) -> int:
        name = node.name.value
        if name.startswith("__") or not (is_object_type(parent) or is_interface_type(parent)):
            return 0
        definition: GraphQLField | None = parent.fields.get(name)
        if definition is None:
            return 0
        named = get_named_type(definition.type)
        if not is_composite_type(named):
            return 0
        count = 1
        if is_list_type(get_nullable_type(definition.type)):
            count = self.list_count(parent.name, name, definition, node, page)
        below = self.page_size(node, definition) if is_connection(named) else None
        children = self.selection_set(node.selection_set, named, below) if node.selection_set else 0
        return count * (1 + children)

    def list_count(self, type_name: str, name: str, definition: GraphQLField, node: FieldNode, page: int | None) -> int:
        if name in ("edges", "nodes") and page is not None:  # a connection's page
            return page
        if name == "nodes" and type_name == "Query":
            ids = self.argument(node, "ids")
            return min(len(ids), MAX_IDS) if isinstance(ids, list) else 1
        for argument in ("first", "last"):
            if argument in definition.args:
                return self.bounded(node, definition, argument, MAX_CHILD_LIST)
        bound = list_bound(type_name, name)
        return CATALOGUE if bound is None else bound

    def page_size(self, node: FieldNode, definition: GraphQLField) -> int:
        for argument in ("first", "last"):
            if argument in definition.args:
                value = self.argument(node, argument)
                if isinstance(value, int) and not isinstance(value, bool):
                    return min(max(value, 0), MAX_PAGE)
        return DEFAULT_PAGE

    def bounded(self, node: FieldNode, definition: GraphQLField, argument: str, maximum: int) -> int:
        value = self.argument(node, argument)
        if value is None:
            value = definition.args[argument].default_value
        if not isinstance(value, int) or isinstance(value, bool):
            return maximum
        return min(max(value, 0), maximum)

    def argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                return self.value(argument.value)
        return None

    def value(self, node: Any) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return [self.value(item) for item in node.values]
        return value_from_ast_untyped(node, self.variables)


def query_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> int:
    """The objects the operation may return; 0 when there is no such operation (execution
    reports that)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    counter = _Cost(schema, document, variables or {}, operation)
    return counter.selection_set(operation.selection_set, root, None)


def subscriptions_too_costly(cost: int, left: int, max_cost: int) -> GraphQLError:
    return GraphQLError(
        f"This subscription may return {cost} objects per event, and your open subscriptions may "
        f"return at most {max_cost} together ({left} left). Complete some, or ask for less.",
        extensions={"code": QUERY_TOO_COMPLEX, "cost": cost, "maxCost": max_cost, "left": left},
    )


def too_complex(cost: int, max_cost: int) -> GraphQLError:
    return GraphQLError(
        f"This operation may return {cost} objects; at most {max_cost} are allowed. Ask for smaller "
        "pages (`first`/`last`) or fewer nested lists.",
        extensions={"code": QUERY_TOO_COMPLEX, "cost": cost, "maxCost": max_cost},
    )


# ---------------------------------------------------------------------------------------------
# Field merging (before validation)

MAX_MERGE_WORK = 20_000


def merge_work(document: DocumentNode, limit: int = MAX_MERGE_WORK) -> int:
    """How much work graphql-core's OverlappingFieldsCanBeMergedRule faces, counted before it
    runs and given up past `limit` (then `limit + 1`): the rule compares, pairwise, the fields
    that share a response name in one selection set once fragments are merged in, and then
    their sub-selections together, so a document repeating a field (directly, through
    fragments, or nested) costs it time quadratic in the repetitions. Here the selections are
    merged level by level as execution would, each distinct selection set counted with its
    multiplicity, and every field and pair counts one unit."""
    fragments = {d.name.value: d.selection_set for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    work = 0
    # A group: the selection sets merged at one response path, by id, with how often each occurs.
    groups: list[dict[int, tuple[SelectionSetNode, int]]] = [
        {id(d.selection_set): (d.selection_set, 1)}
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]
    while groups:
        group = groups.pop()
        by_name: dict[str, dict[int, tuple[SelectionSetNode, int]]] = {}
        counts: dict[str, int] = {}
        # (selection set, multiplicity, fragments spread on the way: a cycle is not followed)
        pending = [(node, count, ()) for node, count in group.values()]
        while pending:
            node, count, spread = pending.pop()
            for selection in node.selections:
                work += 1
                if work > limit:
                    return work
                if isinstance(selection, FieldNode):
                    name = (selection.alias or selection.name).value
                    counts[name] = counts.get(name, 0) + count
                    if selection.selection_set is not None:
                        children = by_name.setdefault(name, {})
                        known = children.get(id(selection.selection_set))
                        total = count + (known[1] if known else 0)
                        children[id(selection.selection_set)] = (selection.selection_set, total)
                elif isinstance(selection, InlineFragmentNode):
                    pending.append((selection.selection_set, count, spread))
                elif isinstance(selection, FragmentSpreadNode):
                    target = selection.name.value
                    if target in fragments and target not in spread:
                        pending.append((fragments[target], count, (*spread, target)))
        work += sum(n * (n - 1) // 2 for n in counts.values())
        if work > limit:
            return work
        groups.extend(by_name.values())
    return work


def too_much_merging(work: int, limit: int = MAX_MERGE_WORK) -> GraphQLError:
    return GraphQLError(
        f"The document repeats fields too often: merging them would take over {limit} steps. Select "
        "each field once per selection set.",
        extensions={"code": QUERY_TOO_COMPLEX, "maxMergeWork": limit},
    )
