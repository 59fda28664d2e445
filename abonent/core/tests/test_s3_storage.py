"""Files in S3-compatible storage (S3_BUCKET): an appeal's attachment goes to the bucket under a server-side
name and comes back byte for byte; links to it are signed and expire. moto plays the S3 API locally."""

import boto3
import pytest
from django.core.files.storage import storages
from django.test import override_settings
from moto import mock_aws

from abonent.appeals.files import IncomingFile, check_file
from abonent.appeals.services.attachments import store_file
from abonent.appeals.tests.factories import register

BUCKET = "abonent-files"
S3 = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": BUCKET, "region_name": "ru-central1", "default_acl": "private",
                    "querystring_auth": True, "querystring_expire": 300, "file_overwrite": False},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture
def bucket(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        client = boto3.client("s3", region_name="ru-central1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ru-central1"})
        with override_settings(STORAGES=S3):
            storages._storages.clear()  # the storage handler caches backends per alias
            yield client
        storages._storages.clear()


@pytest.mark.django_db
def test_an_attachment_is_stored_in_the_bucket_and_read_back(bucket, organisation):
    appeal = register()
    content = b"%PDF-1.4 scan of a letter " + bytes(range(256))
    attachment = store_file(appeal, check_file(IncomingFile("Письмо от 01.11.pdf", content)), role="attachment")

    keys = [o["Key"] for o in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [attachment.file.name]
    assert "Письмо" not in attachment.file.name  # the sender's name is not the stored name
    attachment.file.open("rb")
    assert attachment.file.read() == content
    url = attachment.file.url
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    acl = bucket.get_object_acl(Bucket=BUCKET, Key=attachment.file.name)
    assert all(g["Grantee"].get("URI", "").endswith("AllUsers") is False for g in acl["Grants"])


@pytest.mark.django_db
def test_same_name_twice_never_overwrites(bucket, organisation):
    appeal = register()
    first = store_file(appeal, check_file(IncomingFile("scan.pdf", b"%PDF-1.4 first")), role="attachment")
    second = store_file(appeal, check_file(IncomingFile("scan.pdf", b"%PDF-1.4 second")), role="attachment")
    assert first.file.name != second.file.name
    first.file.open("rb")
    assert first.file.read() == b"%PDF-1.4 first"
