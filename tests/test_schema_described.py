"""Every name a client sees in the schema says what it means: each type, field, argument, input
field and enum value has a description (GraphiQL's docs pane, codegen comments). New names
need one too: this test lists every one that has none."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    specified_scalar_types,
)
from graphql.type.introspection import introspection_types


def undescribed(built: GraphQLSchema) -> list[str]:
    """Coordinates (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`) without a description."""
    missing: list[str] = []

    def check(coordinate: str, description: str | None) -> None:
        if not (description or "").strip():
            missing.append(coordinate)

    for name, named in sorted(built.type_map.items()):
        if name in introspection_types or name in specified_scalar_types:
            continue
        check(name, named.description)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                check(f"{name}.{field_name}", field.description)
                for arg_name, arg in field.args.items():
                    check(f"{name}.{field_name}({arg_name}:)", arg.description)
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, input_field in named.fields.items():
                check(f"{name}.{field_name}", input_field.description)
        elif isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                check(f"{name}.{value_name}", value.description)
    return missing


def test_every_name_in_the_schema_is_described() -> None:
    from schema import schema

    missing = undescribed(schema._schema)
    assert not missing, f"{len(missing)} schema names without a description:\n" + "\n".join(missing)


def test_the_walk_finds_what_lacks_a_description() -> None:
    """The check itself: a schema with one described and several undescribed names."""
    from graphql import build_schema

    sdl = """
        "Described."
        type Query {
          "Described."
          a("Described." x: Int, y: Int): Int
          b: Colour
        }
        enum Colour { "Described." RED BLUE }
        input Filter { "Described." p: Int q: Int }
        type Extra { "Described." z: Filter }
        """
    built = build_schema(sdl + 'extend type Query { "Described." c(f: Filter): Extra }')
    assert undescribed(built) == [
        "Colour",
        "Colour.BLUE",
        "Extra",
        "Filter",
        "Filter.q",
        "Query.a(y:)",
        "Query.b",
        "Query.c(f:)",
    ]
