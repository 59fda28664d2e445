"""EDO operators behind one interface (base.EdoClient): Diadoc and SBIS adapters."""

from abonent.channels.edo.client.base import (
    DeliveryStatus,
    EdoClient,
    EdoError,
    EdoFile,
    FileRef,
    IncomingItem,
    Party,
)
from abonent.channels.edo.client.diadoc import DiadocClient
from abonent.channels.edo.client.sbis import SbisClient

__all__ = ["DeliveryStatus", "DiadocClient", "EdoClient", "EdoError", "EdoFile", "FileRef", "IncomingItem", "Party",
           "SbisClient"]
