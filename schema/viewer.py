"""`Viewer`: who is signed in, with their organisation, portal and notifications."""

from __future__ import annotations

import strawberry

from schema.notifications import ViewerNotifications
from schema.portal import Organization, Portal, User


@strawberry.type(description="Who is signed in.")
class Viewer(ViewerNotifications):
    user: User = strawberry.field(description="The signed-in user.")
    organization: Organization = strawberry.field(description="The organisation they belong to.")
    portal: Portal = strawberry.field(description="The portal they are in.")
