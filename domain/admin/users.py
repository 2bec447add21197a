"""inviteUser, updateUserRole, deactivateUser.

A supplier ADMIN manages the users of every organisation of its portal; another ADMIN those of
its own organisation. E-mail addresses are unique across the service (a user signs in by
address), so an address in use anywhere is a CONFLICT. Nobody deactivates or demotes
themselves (a portal is never left without the ADMIN who could undo it).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from domain import accounts
from domain.admin import audit, checks
from domain.admin.permissions import Permission, require_for
from domain.errors import DomainError, ErrorCode, invalid, not_found
from domain.unit_of_work import UnitOfWork
from domain.validation import Problems, email_address
from domain.viewer import Viewer
from models import Organization, User, UserRole

EMAIL_IN_USE = "this e-mail address is already in use"


async def invite_user(
    uow: UnitOfWork, viewer: Viewer | None, org: Organization, email: str, name: str, role: UserRole
) -> User:
    """A new active user of `org` (the invitation e-mail is the sign-in's business: tokens come
    from the identity provider or `provider-orders token`). `viewer` None: the create-portal command."""
    session = uow.session
    if viewer is not None:
        require_for(viewer, Permission.MANAGE_USERS, org, "organisation", checks.f("organizationId"))
    problems = Problems()
    address = problems.check(email_address, email, checks.f("email"))
    text = problems.check(checks.name, name, checks.f("name"))
    problems.raise_any()
    address = address.lower()
    if await session.scalar(select(User.id).where(func.lower(User.email) == address)) is not None:
        raise DomainError(ErrorCode.CONFLICT, EMAIL_IN_USE, checks.f("email"))
    user = User(organization_id=org.id, email=address, name=text, role=role, is_active=True)
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:  # the same address, invited at the same moment elsewhere
        raise DomainError(ErrorCode.CONFLICT, EMAIL_IN_USE, checks.f("email")) from None
    await audit.record(
        session,
        portal_id=org.portal_id,
        actor=viewer,
        action="INVITE_USER",
        subject_type="User",
        subject_id=user.id,
        after={"email": address, "name": text, "role": role, "organization": org.name},
    )
    return user


async def _load(uow: UnitOfWork, viewer: Viewer, user_id: int) -> tuple[User, Organization]:
    field = checks.f("userId")
    user = await uow.session.get(User, user_id)
    org = await uow.session.get(Organization, user.organization_id) if user is not None else None
    if user is None or org is None:
        raise not_found("user", field)
    require_for(viewer, Permission.MANAGE_USERS, org, "user", field)
    return user, org


async def update_user_role(uow: UnitOfWork, viewer: Viewer, user_id: int, role: UserRole) -> User:
    user, org = await _load(uow, viewer, user_id)
    if user.id == viewer.user_id and role is not user.role:
        raise invalid("you cannot change your own role", checks.f("userId"))
    if user.role is role:
        return user
    before = user.role
    user.role = role
    await uow.session.flush()
    await audit.record(
        uow.session,
        portal_id=org.portal_id,
        actor=viewer,
        action="UPDATE_USER_ROLE",
        subject_type="User",
        subject_id=user.id,
        before={"role": before},
        after={"role": role},
    )
    return user


async def deactivate_user(uow: UnitOfWork, viewer: Viewer, user_id: int) -> User:
    """The user's tokens stop working from the commit on; its open WebSockets are closed."""
    user, org = await _load(uow, viewer, user_id)
    if user.id == viewer.user_id:
        raise invalid("you cannot deactivate yourself", checks.f("userId"))
    if not user.is_active:
        return user
    await accounts.set_user_active(uow.session, user, False)
    await audit.record(
        uow.session,
        portal_id=org.portal_id,
        actor=viewer,
        action="DEACTIVATE_USER",
        subject_type="User",
        subject_id=user.id,
        before={"active": True},
        after={"active": False},
    )
    return user
