from django.http import HttpRequest


def organisation(request: HttpRequest) -> dict:
    """The supplier's name and contacts on every page; read lazily so pages without it pay nothing."""
    from abonent.organisation.models import Organisation

    return {"organisation": Organisation.current}
