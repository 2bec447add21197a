"""Every operation on a WebSocket reloads its viewer first: a socket authenticated once may
outlive its user's access (deactivation, revoked tokens; see app.revocation)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension


class RecheckViewer(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        recheck = getattr(self.execution_context.context, "recheck_viewer", None)
        if recheck is not None:  # set on WebSockets only (app.graphql_view.on_ws_connect)
            await recheck()
        yield
