"""The demo integration's API token: the reception specialist's, with a known key for trying the API."""

from abonent.api.auth import hash_key
from abonent.api.models import ApiToken
from abonent.users.models import User

DEMO_TOKEN = "demo-reception-token"  # noqa: S105 - demo data only, refused on production installs
DEMO_INTEGRATION_NAME = "Демо-интеграция"


def seed() -> ApiToken:
    """Gives the demo login "reception" the token "demo-reception-token"; a re-run changes nothing."""
    token, _ = ApiToken.objects.get_or_create(
        key_hash=hash_key(DEMO_TOKEN),
        defaults={"user": User.objects.get(username="reception"), "name": DEMO_INTEGRATION_NAME,
                  "prefix": DEMO_TOKEN[:8]},
    )
    return token
