"""SCIM 2.0 provisioning (RFC 7643/7644) at /scim/v2: the company's directory creates, changes
and deactivates people and their groups (coachapp.scim.service)."""

from coachapp.scim.views import bp

__all__ = ["bp"]
