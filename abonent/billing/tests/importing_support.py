"""Helpers of the importer's tests: files built the way the billing system writes them."""

import io
import json
import zipfile

import pytest

from abonent.billing.importing import import_file
from abonent.customers.tests.factories import BillingAccountFactory

ACCOUNT, OTHER_ACCOUNT = "2200010000", "2200020000"


def csv_file(kind: str, header: str, *rows: str, bom: bool = False, sep: str = ";", version: str = "1") -> bytes:
    lines = [f"#format_version={version};kind={kind}", header.replace(";", sep),
             *(row.replace(";", sep) for row in rows)]
    text = "\r\n".join(lines) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


def json_file(kind: str, rows: list, version=1) -> bytes:
    return json.dumps({"format_version": version, "kind": kind, "rows": rows}, ensure_ascii=False).encode()


def zip_package(manifest_name: str, manifest: bytes, files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(manifest_name, manifest)
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n% test\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def run(content: bytes, name: str = "file.csv", **kwargs):
    return import_file(content=content, file_name=name, **kwargs)


def texts(result) -> list[str]:
    return [e.text() for e in result.errors]


@pytest.fixture
def accounts(db):
    return (BillingAccountFactory(number=ACCOUNT), BillingAccountFactory(number=OTHER_ACCOUNT))
