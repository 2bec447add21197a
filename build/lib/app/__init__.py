"""Application shell: settings, database, auth, the Starlette app and the CLI."""
