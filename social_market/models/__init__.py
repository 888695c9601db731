"""All tables, imported together so metadata (and Alembic) sees every one."""

from social_market.models.auth import AuthSession, OneTimeToken
from social_market.models.base import utcnow
from social_market.models.user import ProfilePublic, User

__all__ = ["AuthSession", "OneTimeToken", "ProfilePublic", "User", "utcnow"]
