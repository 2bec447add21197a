"""The GraphQL schema: Strawberry types, inputs, enums and payloads, a module per domain.

The `Schema` is assembled in `schema.api`: the app builds its own with its settings
(`build_schema(settings)`); `schema.schema` is the one built without settings, the same types,
which `make schema` exports to `schema.graphql` at the project root (a test fails when it is
stale). It is imported lazily: importing one module of the package (schema.fast_path, say)
does not build a schema.
"""


def __getattr__(name: str):
    if name == "schema":
        from schema.api import schema

        return schema
    raise AttributeError(name)
