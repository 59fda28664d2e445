"""Local stand-ins for the operators' HTTP APIs (stdlib http.server in a thread on 127.0.0.1), behaving as
their documentation describes: paging, repeated items, expiring tokens and server errors on demand. Used by the
tests and by `manage.py edo_fakes`."""

from abonent.channels.edo.fakes.diadoc import FakeDiadoc
from abonent.channels.edo.fakes.sbis import FakeSbis

__all__ = ["FakeDiadoc", "FakeSbis"]
