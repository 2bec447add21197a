"""The GraphQL schema: Strawberry types, inputs, enums and payloads, a module per domain.

The `Schema` is assembled in `schema.api`: the app builds its own with its settings
(`build_schema(settings)`); `schema.schema` is the one built without settings, the same types,
which `make schema` exports to `schema.graphql` at the project root (a test fails when it is
stale). It is built when first asked for: importing a module of the package (schema.api for
the app, schema.fast_path, ...) builds no schema, and a process that serves builds only its own.
"""


def __getattr__(name: str):
    if name == "schema":
        from schema.api import build_schema  # lazy: see above

        built = globals()["schema"] = build_schema()
        return built
    raise AttributeError(name)
