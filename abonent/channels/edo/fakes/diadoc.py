"""A fake Diadoc HTTP API (JSON only): /V3/Authenticate (DiadocAuth tokens; Bearer accepted too),
/V8/GetNewEvents (≤100 a page, opaque IndexKey with +, / and =), /V5/GetMessage, /V4/GetEntityContent,
/V3/PostMessage (idempotent by operationId), /GetOrganization; 401 for unknown or expired tokens, 403 for
another box, failures on demand."""

import base64
import datetime
import uuid

from abonent.channels.edo.client.diadoc import RECEIPT_TYPES, TICKS_AT_UNIX_EPOCH
from abonent.channels.edo.fakes.server import FakeServer, Request, Response

PAGE_LIMIT = 100


def now_ticks() -> int:
    return int(datetime.datetime.now(tz=datetime.UTC).timestamp() * 10_000_000) + TICKS_AT_UNIX_EPOCH


def index_key(n: int) -> str:
    return base64.b64encode(b"\xfb\xff" + n.to_bytes(5, "big")).decode()  # "+/…=": needs URL-encoding


class FakeDiadoc(FakeServer):
    def __init__(self, *, api_client_id: str = "dev-key", login: str = "robot", password: str = "secret",  # noqa: S107
                 our_inn: str = "2221000002", our_kpp: str = "222101001", host: str = "127.0.0.1", port: int = 0):
        super().__init__(host, port)
        self.api_client_id, self.users = api_client_id, {login: password}
        self.tokens: set[str] = set()
        self.organisations: dict[str, dict] = {}
        self.messages: dict[str, dict] = {}
        self.contents: dict[tuple[str, str], bytes] = {}
        self.events: list[dict] = []
        self.operations: dict[str, str] = {}
        self.box_id = self.add_organisation(our_inn, our_kpp, "АО «Барнаульская горэлектросеть»")

    # --- scenario helpers ---

    def add_organisation(self, inn: str, kpp: str, name: str) -> str:
        box = uuid.uuid4().hex
        with self.lock:
            self.organisations[box] = {"Inn": inn, "Kpp": kpp, "FullName": name, "ShortName": name}
        return box

    def add_letter(self, from_box: str, files: list[tuple[str, bytes]], *, signed: bool = True) -> str:
        """A customer's letter to our box: each file as a Nonformalized attachment, with a signature."""
        message_id = str(uuid.uuid4())
        entities = []
        with self.lock:
            for name, content in files:
                entity_id = str(uuid.uuid4())
                entities.append({"EntityType": "Attachment", "EntityId": entity_id, "AttachmentType": "Nonformalized",
                                 "FileName": name, "NeedRecipientSignature": False})
                self.contents[(message_id, entity_id)] = content
                if signed:
                    signature_id = str(uuid.uuid4())
                    entities.append({"EntityType": "Signature", "EntityId": signature_id,
                                     "ParentEntityId": entity_id, "AttachmentType": "Nonformalized"})
                    self.contents[(message_id, signature_id)] = b"0\x82\x01\x00" + uuid.uuid4().bytes
            ticks = now_ticks()
            self.messages[message_id] = {
                "MessageId": message_id, "TimestampTicks": ticks, "LastPatchTimestampTicks": ticks,
                "FromBoxId": from_box, "FromTitle": self.organisations[from_box]["FullName"], "ToBoxId": self.box_id,
                "ToTitle": self.organisations[self.box_id]["FullName"], "MessageType": "Letter", "LockMode": "None",
                "Entities": entities}
            self._event(message=message_id)
        return message_id

    def repeat_event(self, message_id: str) -> None:
        """The same message appears in the feed once more (as after a replay)."""
        with self.lock:
            self._event(message=message_id)

    def add_receipt(self, message_id: str) -> None:
        """The recipient's receipt (ИоП) for the first document of a message we sent."""
        with self.lock:
            message = self.messages[message_id]
            parent = next(e["EntityId"] for e in message["Entities"] if e["EntityType"] == "Attachment")
            receipt = {"EntityType": "Attachment", "EntityId": str(uuid.uuid4()), "AttachmentType": "Receipt",
                       "ParentEntityId": parent, "FileName": "receipt.xml"}
            message["Entities"].append(receipt)
            self._event(patch={"MessageId": message_id, "TimestampTicks": now_ticks(), "Entities": [receipt],
                               "PatchId": str(uuid.uuid4()), "MessageType": "Letter"})

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def sent_messages(self) -> list[dict]:
        with self.lock:
            return [m for m in self.messages.values() if m["FromBoxId"] == self.box_id]

    def sent_content(self, message: dict) -> dict[str, bytes]:
        return {e["FileName"]: self.contents[(message["MessageId"], e["EntityId"])] for e in message["Entities"]
                if e["EntityType"] == "Attachment" and e["AttachmentType"] not in RECEIPT_TYPES}

    def _event(self, *, message: str | None = None, patch: dict | None = None) -> None:
        event = {"EventId": str(uuid.uuid4()), "IndexKey": index_key(len(self.events) + 1)}
        if message:
            event["MessageId"] = message
        if patch:
            event["Patch"] = patch
        self.events.append(event)

    # --- the API ---

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("Bearer "):
            return header[7:] in self.tokens
        parts = dict(p.strip().split("=", 1) for p in header.removeprefix("DiadocAuth ").split(",") if "=" in p)
        return parts.get("ddauth_api_client_id") == self.api_client_id and parts.get("ddauth_token") in self.tokens

    def _public(self, message: dict) -> dict:
        return {**message, "Entities": [dict(e) for e in message["Entities"]]}

    def handle(self, route: str, request: Request) -> Response:
        if route == "/V3/Authenticate":
            header = request.headers.get("authorization", "")
            body = request.json()
            if (header != f"DiadocAuth ddauth_api_client_id={self.api_client_id}"
                    or self.users.get(body.get("login")) != body.get("password")):
                return Response(401, "Unauthorized")
            token = base64.b64encode(uuid.uuid4().bytes).decode()
            self.tokens.add(token)
            return Response(200, token)
        if not self._authorised(request):
            return Response(401, "Unauthorized")
        if route == "/GetOrganization":
            return self._organisation(request)
        box = request.query["boxId"] if route != "/V3/PostMessage" else request.json()["FromBoxId"]
        if box != self.box_id:
            return Response(403, "Forbidden")
        if route == "/V8/GetNewEvents":
            return self._new_events(request)
        if route == "/V5/GetMessage":
            message = self.messages.get(request.query["messageId"])
            if message is None or self.box_id not in (message["FromBoxId"], message["ToBoxId"]):
                return Response(404, "Not Found")
            return Response(200, self._public(message))
        if route == "/V4/GetEntityContent":
            content = self.contents.get((request.query["messageId"], request.query["entityId"]))
            return Response(404, "Not Found") if content is None else Response(200, content)
        if route == "/V3/PostMessage":
            return self._post(request)
        return Response(404, "Not Found")

    def _organisation(self, request: Request) -> Response:
        query = request.query
        for box, org in self.organisations.items():
            if query.get("boxId") == box or (query.get("inn") == org["Inn"]
                                             and query.get("kpp", org["Kpp"]) == org["Kpp"]):
                return Response(200, {**org, "Boxes": [{"BoxId": f"{box}@diadoc.ru", "BoxIdGuid": box,
                                                        "Title": org["FullName"]}]})
        return Response(404, "Not Found")

    def _new_events(self, request: Request) -> Response:
        after = request.query.get("afterIndexKey")
        keys = [e["IndexKey"] for e in self.events]
        if after is not None and after not in keys:
            return Response(400, "Unknown afterIndexKey")
        start = keys.index(after) + 1 if after is not None else 0
        limit = min(int(request.query.get("limit", PAGE_LIMIT)), PAGE_LIMIT)
        page = []
        for event in self.events[start:start + limit]:
            shown = {k: v for k, v in event.items() if k != "MessageId"}
            if "MessageId" in event:
                shown["Message"] = self._public(self.messages[event["MessageId"]])
            page.append(shown)
        return Response(200, {"Events": page, "TotalCount": len(self.events) - start, "TotalCountType": "Equal"})

    def _post(self, request: Request) -> Response:
        operation = request.query.get("operationId") or request.body.hex()
        if operation in self.operations:
            return Response(200, self._public(self.messages[self.operations[operation]]))
        body = request.json()
        if body.get("ToBoxId") not in self.organisations:
            return Response(400, "Unknown ToBoxId")
        message_id, entities = str(uuid.uuid4()), []
        for attachment in body.get("DocumentAttachments") or []:
            entity_id = str(uuid.uuid4())
            metadata = {m["Key"]: m["Value"] for m in attachment.get("Metadata") or []}
            entities.append({"EntityType": "Attachment", "EntityId": entity_id,
                             "AttachmentType": attachment.get("TypeNamedId", "Nonformalized"),
                             "FileName": metadata.get("FileName", "document")})
            self.contents[(message_id, entity_id)] = base64.b64decode(attachment["SignedContent"]["Content"])
        ticks = now_ticks()
        self.messages[message_id] = {
            "MessageId": message_id, "TimestampTicks": ticks, "LastPatchTimestampTicks": ticks,
            "FromBoxId": self.box_id, "FromTitle": self.organisations[self.box_id]["FullName"],
            "ToBoxId": body["ToBoxId"], "ToTitle": self.organisations[body["ToBoxId"]]["FullName"],
            "MessageType": "Letter", "LockMode": "None", "Entities": entities}
        self.operations[operation] = message_id
        self._event(message=message_id)
        return Response(200, self._public(self.messages[message_id]))
