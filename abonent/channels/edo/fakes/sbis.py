"""A fake СБИС JSON-RPC API: СБИС.Аутентифицировать at /auth/service/, X-SBISSessionID on /service/?srv=1
(HTTP 401 once the session expires), СБИС.СписокИзменений (mandatory Фильтр, ДД.ММ.ГГГГ ЧЧ.ММ.СС dates,
ИдентификаторСобытия cursor, Навигация paging, a document repeated once per event), pre-signed file links under
/disk/, СБИС.ЗаписатьДокумент / СБИС.ВыполнитьДействие / СБИС.ПрочитатьДокумент, failures on demand."""

import base64
import datetime
import json
import uuid

from abonent.channels.edo.client.sbis import DATE_FORMAT, SBIS_TZ
from abonent.channels.edo.fakes.server import FakeServer, Request, Response


def rpc_error(code: int, message: str, status: int = 200) -> Response:
    return Response(status, {"jsonrpc": "2.0", "error": {"code": code, "message": message, "details": message},
                             "id": 0})


def now_text() -> str:
    return datetime.datetime.now(tz=SBIS_TZ).strftime(DATE_FORMAT)


class FakeSbis(FakeServer):
    def __init__(self, *, login: str = "robot", password: str = "secret", our_inn: str = "2221000002",  # noqa: S107 - a fake
                 our_kpp: str = "222101001", host: str = "127.0.0.1", port: int = 0):
        super().__init__(host, port)
        self.users = {login: password}
        self.our = {"СвЮЛ": {"ИНН": our_inn, "КПП": our_kpp, "НазваниеПолное": "АО «Барнаульская горэлектросеть»"}}
        self.sessions: set[str] = set()
        self.documents: dict[str, dict] = {}
        self.files: dict[str, bytes] = {}
        self.events: list[dict] = []

    # --- scenario helpers ---

    def add_document(self, *, inn: str, kpp: str, name: str, title: str, files: list[tuple[str, bytes]],
                     signed: bool = True, link_ready: bool = True) -> str:
        """An incoming document from a counterparty, with a «Получение» event."""
        doc_id = str(uuid.uuid4())
        attachments = []
        with self.lock:
            for file_name, content in files:
                file_id = uuid.uuid4().hex
                self.files[file_id] = content
                attachment = {"Идентификатор": str(uuid.uuid4()), "Тип": "ДокПрочВх", "Название": file_name,
                              "Служебный": "Нет", "Удален": "Нет", "Направление": "Входящий",
                              "Файл": {"Имя": file_name, "Ссылка": f"{self.url}/disk/{file_id}" if link_ready else ""},
                              "_link": f"{self.url}/disk/{file_id}"}
                if signed:
                    signature_id = uuid.uuid4().hex
                    self.files[signature_id] = b"0\x82\x01\x00" + uuid.uuid4().bytes
                    attachment["Подпись"] = [{"Файл": {"Имя": f"{file_name}.sig",
                                                       "Ссылка": f"{self.url}/disk/{signature_id}"}}]
                attachments.append(attachment)
            counterparty = {"СвЮЛ": {"ИНН": inn, "КПП": kpp, "НазваниеПолное": name}} if kpp else {
                "СвФЛ": {"ИНН": inn, "НазваниеПолное": name}}
            self.documents[doc_id] = {
                "Идентификатор": doc_id, "Тип": "ДокПрочВх", "Направление": "Входящий", "Название": title,
                "Дата": datetime.datetime.now(tz=SBIS_TZ).strftime("%d.%m.%Y"), "ДатаВремяСоздания": now_text(),
                "Удален": "Нет", "НашаОрганизация": self.our, "Контрагент": counterparty,
                "Состояние": {"Код": "10", "Название": "Получен"}, "_attachments": attachments}
            self._event(doc_id, "Получение", attachments)
        return doc_id

    def make_links_ready(self, doc_id: str) -> None:
        with self.lock:
            for attachment in self.documents[doc_id]["_attachments"]:
                attachment["Файл"]["Ссылка"] = attachment["_link"]

    def repeat_document(self, doc_id: str, event_name: str = "Просмотр") -> None:
        """The same document listed again for a later event."""
        with self.lock:
            self._event(doc_id, event_name, [])

    def mark_delivered(self, doc_id: str) -> None:
        self._set_state(doc_id, "11", "Доставлен контрагенту", "Доставка")

    def mark_read(self, doc_id: str) -> None:
        self._set_state(doc_id, "7", "Получено извещение о получении", "Извещение о получении")

    def _set_state(self, doc_id: str, code: str, name: str, event: str) -> None:
        with self.lock:
            self.documents[doc_id]["Состояние"] = {"Код": code, "Название": name}
            self._event(doc_id, event, [])

    def expire_sessions(self) -> None:
        with self.lock:
            self.sessions.clear()

    def sent_documents(self) -> list[dict]:
        with self.lock:
            return [d for d in self.documents.values() if d["Направление"] == "Исходящий"]

    def _event(self, doc_id: str, name: str, attachments: list[dict]) -> None:
        self.events.append({"Идентификатор": str(uuid.uuid4()), "doc": doc_id, "Название": name,
                            "ДатаВремя": now_text(), "Вложение": attachments})

    # --- the API ---

    def route_of(self, request: Request) -> str:
        if request.path.startswith("/disk/"):
            return "/disk"
        if request.path == "/service/":
            try:
                return request.json().get("method", "")
            except ValueError:
                return "/service/"
        return request.path

    def handle(self, route: str, request: Request) -> Response:
        if route == "/disk":
            content = self.files.get(request.path.rsplit("/", 1)[-1])
            return Response(404, "Not Found") if content is None else Response(200, content)
        if "charset=utf-8" not in request.headers.get("content-type", "").replace(" ", "").lower():
            return rpc_error(-32700, "Parse error")
        try:
            body = request.json()
        except ValueError:
            return rpc_error(-32700, "Parse error")
        params = body.get("params") or {}
        if request.path == "/auth/service/":
            credentials = params.get("Параметр", params)
            if self.users.get(credentials.get("Логин")) != credentials.get("Пароль"):
                return rpc_error(-32000, "Неверный логин или пароль.")
            sid = f"{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:8]}-00ba-{uuid.uuid4().hex[:16]}"
            self.sessions.add(sid)
            return Response(200, {"jsonrpc": "2.0", "result": sid, "id": body.get("id", 0)})
        if request.headers.get("x-sbissessionid") not in self.sessions:
            return rpc_error(-32000, "Сессия истекла или не найдена", status=401)
        handler = {"СБИС.СписокИзменений": self._changes, "СБИС.ЗаписатьДокумент": self._write,
                   "СБИС.ВыполнитьДействие": self._act, "СБИС.ПрочитатьДокумент": self._read}.get(route)
        if handler is None:
            return rpc_error(-32601, f"Метод {route} не найден")
        outcome = handler(params)
        if isinstance(outcome, Response):
            return outcome
        return Response(200, {"jsonrpc": "2.0", "result": outcome, "id": body.get("id", 0)})

    def _changes(self, params: dict):
        flt = params.get("Фильтр")
        if flt is None:
            return rpc_error(-32000, "В объекте нет поля Фильтр")
        start = 0
        if flt.get("ИдентификаторСобытия"):
            ids = [e["Идентификатор"] for e in self.events]
            if flt["ИдентификаторСобытия"] not in ids:
                return rpc_error(-32000, "Событие не найдено")
            start = ids.index(flt["ИдентификаторСобытия"]) + 1
        elif flt.get("ДатаВремяС"):
            try:
                since = datetime.datetime.strptime(flt["ДатаВремяС"], DATE_FORMAT)
            except ValueError:
                return rpc_error(-32000, "Неверный формат даты ДатаВремяС")
            start = next((i for i, e in enumerate(self.events)
                          if datetime.datetime.strptime(e["ДатаВремя"], DATE_FORMAT) >= since), len(self.events))
        navigation = flt.get("Навигация") or {}
        size, page = int(navigation.get("РазмерСтраницы", 50)), int(navigation.get("Страница", 0))
        chosen = self.events[start + page * size:start + (page + 1) * size]
        documents = []
        for event in chosen:
            document = {k: v for k, v in self.documents[event["doc"]].items() if not k.startswith("_")}
            shown = {k: v for k, v in event.items() if k != "doc"}
            shown["Вложение"] = [{k: v for k, v in a.items() if k != "_link"} for a in event["Вложение"]]
            document["Событие"] = [shown]
            documents.append(document)
        more = len(self.events) > start + (page + 1) * size
        return {"Навигация": {"ЕстьЕще": "Да" if more else "Нет", "РазмерСтраницы": str(size), "Страница": str(page)},
                "Документ": documents}

    def _write(self, params: dict):
        document = dict(params["Документ"])
        doc_id = document["Идентификатор"]
        files = []
        for attachment in document.pop("Вложение", []):
            file_id = uuid.uuid4().hex
            self.files[file_id] = base64.b64decode(attachment["Файл"]["ДвоичныеДанные"])
            files.append({"Файл": {"Имя": attachment["Файл"]["Имя"], "Ссылка": f"{self.url}/disk/{file_id}"}})
        previous = self.documents.get(doc_id)
        state = previous["Состояние"] if previous else {"Код": "1", "Название": "Черновик"}
        self.documents[doc_id] = {**document, "Направление": "Исходящий", "Удален": "Нет", "Состояние": state,
                                  "_attachments": files}
        return {"Идентификатор": doc_id}

    def _act(self, params: dict):
        doc_id = params["Документ"]["Идентификатор"]
        document = self.documents.get(doc_id)
        if document is None:
            return rpc_error(-32000, "Документ не найден")
        if document["Состояние"]["Название"] != "Черновик":
            return rpc_error(-32000, "Действие уже выполнено")
        document["Состояние"] = {"Код": "3", "Название": "Отправлен"}
        self._event(doc_id, "Отправка", [])
        return {"Идентификатор": doc_id}

    def _read(self, params: dict):
        document = self.documents.get(params["Документ"]["Идентификатор"])
        if document is None:
            return rpc_error(-32000, "Документ не найден")
        return json.loads(json.dumps({k: v for k, v in document.items() if not k.startswith("_")}))

    def sent_files(self, document: dict) -> dict[str, bytes]:
        return {a["Файл"]["Имя"]: self.files[a["Файл"]["Ссылка"].rsplit("/", 1)[-1]]
                for a in document["_attachments"]}
