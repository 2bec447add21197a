"""The GraphQL schema: Strawberry types, inputs, enums and payloads, a module per domain.

The `Schema` is assembled in `schema.api`; `schema.schema` refers to it (lazily, so that
resolvers can import the type modules without a cycle). `schema.graphql` at the project
root is exported from `schema:schema` (`make schema`); a test fails when it is stale.
"""


def __getattr__(name: str):
    if name == "schema":
        from schema.api import schema

        return schema
    raise AttributeError(name)
