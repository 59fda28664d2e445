"""The importer of the billing system's exports: formats (CSV, JSON, ZIP with PDFs), validation, upsert."""

from abonent.billing.importing.formats import SUPPORTED_VERSIONS, FileRefused, RowError
from abonent.billing.importing.kinds import KIND_LABELS, KINDS
from abonent.billing.importing.service import ImportResult, Outcome, import_file

__all__ = ["KINDS", "KIND_LABELS", "SUPPORTED_VERSIONS", "FileRefused", "ImportResult", "Outcome", "RowError",
           "import_file"]
