"""Both fake operators behind one small driver, so each behaviour is tested against Diadoc and SBIS alike."""

import pytest

from abonent.channels.edo.fakes import FakeDiadoc, FakeSbis
from abonent.channels.edo.models import EdoBox, Operator

PDF = b"%PDF-1.4\n% test letter\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class DiadocDriver:
    operator = Operator.DIADOC
    feed_route, send_route, auth_route = "/V8/GetNewEvents", "/V3/PostMessage", "/V3/Authenticate"

    def __init__(self, fake: FakeDiadoc):
        self.fake = fake
        self.boxes: dict[tuple[str, str], str] = {}

    def box(self) -> EdoBox:
        return EdoBox.objects.create(operator=self.operator, title="Диадок", box_id=self.fake.box_id,
                                     base_url=self.fake.url, login="robot", password="secret",
                                     api_client_id="dev-key")

    def org(self, inn: str, kpp: str, name: str) -> str:
        if (inn, kpp) not in self.boxes:
            self.boxes[(inn, kpp)] = self.fake.add_organisation(inn, kpp, name)
        return self.boxes[(inn, kpp)]

    def letter(self, inn: str, kpp: str, name: str = "ООО «Ромашка»", files=None) -> str:
        return self.fake.add_letter(self.org(inn, kpp, name), files or [("Претензия.pdf", PDF)])

    def repeat(self, doc_id: str) -> None:
        self.fake.repeat_event(doc_id)

    def expire(self) -> None:
        self.fake.expire_tokens()

    def sent(self) -> list[dict[str, bytes]]:
        return [self.fake.sent_content(m) for m in self.fake.sent_messages()]

    def receipt(self, provider_id: str) -> None:
        self.fake.add_receipt(provider_id)

    def delivered(self, provider_id: str) -> None:
        return None  # Diadoc delivers within the operator at once

    def forget(self, inn: str, kpp: str) -> None:
        del self.fake.organisations[self.boxes[(inn, kpp)]]


class SbisDriver:
    operator = Operator.SBIS
    feed_route, send_route, auth_route = "СБИС.СписокИзменений", "СБИС.ЗаписатьДокумент", "/auth/service/"

    def __init__(self, fake: FakeSbis):
        self.fake = fake

    def box(self) -> EdoBox:
        return EdoBox.objects.create(operator=self.operator, title="СБИС", box_id="2221000002/222101001",
                                     base_url=self.fake.url, login="robot", password="secret")

    def letter(self, inn: str, kpp: str, name: str = "ООО «Ромашка»", files=None) -> str:
        return self.fake.add_document(inn=inn, kpp=kpp, name=name, title="Претензия",
                                      files=files or [("Претензия.pdf", PDF)])

    def repeat(self, doc_id: str) -> None:
        self.fake.repeat_document(doc_id)

    def expire(self) -> None:
        self.fake.expire_sessions()

    def sent(self) -> list[dict[str, bytes]]:
        return [self.fake.sent_files(d) for d in self.fake.sent_documents()]

    def receipt(self, provider_id: str) -> None:
        self.fake.mark_read(provider_id)

    def delivered(self, provider_id: str) -> None:
        self.fake.mark_delivered(provider_id)


@pytest.fixture
def fake_diadoc():
    with FakeDiadoc() as fake:
        yield fake


@pytest.fixture
def fake_sbis():
    with FakeSbis() as fake:
        yield fake


@pytest.fixture(params=["diadoc", "sbis"])
def edo(request, organisation):
    fake = request.getfixturevalue(f"fake_{request.param}")
    return DiadocDriver(fake) if request.param == "diadoc" else SbisDriver(fake)


@pytest.fixture
def box(edo):
    return edo.box()
