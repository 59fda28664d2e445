"""Demo call centre: operators' extensions and a PBX token with a known key, for trying the webhook
(see docs/pbx.md):
    curl -d 'event=newCall&direction=in&from=73852200000&to=73852501240&callId=demo-1&user[]=101' \\
         http://127.0.0.1:8000/callcentre/pbx/demo-pbx-token/
"""

from abonent.api.auth import hash_key
from abonent.channels.phone.models import PbxToken, PhoneExtension
from abonent.users.models import User

DEMO_PBX_TOKEN = "demo-pbx-token"  # noqa: S105 - demo data only, refused on production installs
EXTENSIONS = {"callcenter": "101", "reception": "102"}


def seed() -> None:
    for login, extension in EXTENSIONS.items():
        PhoneExtension.objects.get_or_create(user=User.objects.get(username=login),
                                             defaults={"extension": extension})
    PbxToken.objects.get_or_create(key_hash=hash_key(DEMO_PBX_TOKEN),
                                   defaults={"name": "Демо-АТС", "prefix": DEMO_PBX_TOKEN[:8]})
