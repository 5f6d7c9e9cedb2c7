"""The SCIM resources Coachapp serves, as scim2-models models: the standard User (with the
enterprise extension's manager) and Group, cut down to the attributes Coachapp keeps, so that
what /Schemas publishes, what a request may carry and what a response holds are one thing."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field
from scim2_models import (
    URN,
    CaseExact,
    ComplexAttribute,
    Email,
    Extension,
    Mutability,
    Name,
    Reference,
    Required,
    Resource,
    Uniqueness,
)

ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class Manager(ComplexAttribute):
    value: Annotated[str | None, Required.true, CaseExact.true] = None
    """The SCIM id of the User's manager."""

    # Optional here, unlike in scim2-models: directories commonly send the id alone.
    ref: Annotated[Reference["User"] | None, Required.false] = Field(  # noqa: UP037
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    """The URI of the SCIM resource representing the User's manager."""


class EnterpriseUser(Extension):
    __schema__ = URN(ENTERPRISE_URN)

    manager: Manager | None = None
    """The User's manager: sets who they report to in Coachapp."""


class User(Resource[EnterpriseUser]):
    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The person's email address, with which they sign in."""

    name: Name | None = None
    """The components of the user's real name."""

    # Required here, unlike in RFC 7643: Coachapp always has a name and an activity for a
    # person, so neither can be removed. A request without them still goes through: the name
    # comes from `name` or userName, and a new person is active (coachapp.scim.views).
    display_name: Annotated[str | None, Required.true] = None
    """The name Coachapp shows."""

    active: Annotated[bool | None, Required.true] = None
    """False deactivates the person: signed out everywhere, drafts and open follow-ups handed
    to their manager."""

    emails: list[Email] | None = None
    """Email addresses for the user."""

    Name: ClassVar[type[ComplexAttribute]] = Name
    Emails: ClassVar[type[ComplexAttribute]] = Email


class GroupMember(ComplexAttribute):
    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    """The SCIM id of a User."""

    ref: Annotated[Reference["User"] | None, Mutability.immutable] = Field(  # noqa: UP037
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    """The URI of the member."""

    type: Annotated[str | None, Mutability.immutable] = Field(None, examples=["User"])
    """Always 'User': groups hold people, not other groups."""


class Group(Resource[Any]):
    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:Group")

    display_name: Annotated[str | None, Required.true] = None
    """The group's name; three names give a role to their members (coachapp.scim.roles)."""

    members: list[GroupMember] | None = None
    """The people in the group."""

    Members: ClassVar[type[ComplexAttribute]] = GroupMember
