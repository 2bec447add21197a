"""`Viewer`: who is signed in, with their organisation, portal and notifications."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.admin.permissions import permissions_of
from schema.admin_types import Permission
from schema.notifications import ViewerNotifications
from schema.portal import Organization, Portal, User


@strawberry.type(description="Who is signed in.")
class Viewer(ViewerNotifications):
    user: User = strawberry.field(description="The signed-in user.")
    organization: Organization = strawberry.field(description="The organisation they belong to.")
    portal: Portal = strawberry.field(description="The portal they are in.")

    @strawberry.field(description="What the viewer may administer (for admin screens: which to show).")
    def permissions(self, info: Info) -> list[Permission]:
        return permissions_of(info.context.require_viewer())
