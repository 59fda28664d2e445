from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def organisation(request: HttpRequest) -> dict:
    """The supplier's name and contacts on every page: read at most once per request, and only if the
    page uses it."""
    from abonent.organisation.models import Organisation

    return {"organisation": SimpleLazyObject(Organisation.current)}
