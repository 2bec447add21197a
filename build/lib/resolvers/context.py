"""What every resolver gets as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graphql import GraphQLError

from app.db import Database
from app.settings import Settings
from domain.viewer import Viewer
from resolvers.dataloaders import Loaders
from resolvers.pagination import CursorCodec


class Unauthenticated(GraphQLError):
    def __init__(self, reason: str = "authentication required"):
        super().__init__(
            f"Not authenticated: {reason}. Send 'Authorization: Bearer <token>'.",
            extensions={"code": "UNAUTHENTICATED"},
        )


@dataclass
class Context:
    db: Database
    settings: Settings
    bus: Any
    request_id: str
    viewer: Viewer | None = None
    auth_error: str | None = None
    token_expires_at: datetime | None = None
    request: Any = None
    response: Any = None
    loaders: Loaders = field(init=False)
    # Set by an extension when execution starts (tells pre-execution failures apart).
    executed: bool = False

    cursors: CursorCodec = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db)
        self.cursors = CursorCodec(self.settings.jwt_secret)

    def require_viewer(self) -> Viewer:
        if self.viewer is None:
            raise Unauthenticated(self.auth_error or "authentication required")
        return self.viewer
