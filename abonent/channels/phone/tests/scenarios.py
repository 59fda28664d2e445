"""Realistic PBX event sequences of one day (Wednesday 11.03.2026, Barnaul time)."""

from abonent.channels.phone.tests.conftest import at

CALLER = "8 (3852) 20-00-00"  # the factory customers' phone, +73852200000
LINE = "+73852501240"


def answered(call_id="c-answered"):
    return [
        {"event": "newCall", "call_id": call_id, "direction": "in", "from_": CALLER, "to": LINE, "time": at(10)},
        {"event": "queue", "call_id": call_id, "time": at(10, 0, 5)},
        {"event": "ringing", "call_id": call_id, "user": ["101"], "time": at(10, 0, 7)},
        {"event": "answer", "call_id": call_id, "direction": "in", "user": ["Анна Карпова"],
         "answeringNumber": "101", "time": at(10, 0, 15)},
        {"event": "hangup", "call_id": call_id, "cause": "normalClearing", "recording": "rec/2026/03/11/a.wav",
         "time": at(10, 3, 15)},
    ]


def abandoned(call_id="c-abandoned"):
    return [
        {"event": "newCall", "call_id": call_id, "direction": "in", "from_": "+79131234567", "to": LINE,
         "time": at(10, 10)},
        {"event": "queue", "call_id": call_id, "time": at(10, 10, 3)},
        {"event": "hangup", "call_id": call_id, "cause": "cancel", "time": at(10, 12, 33)},
    ]


def transferred(call_id="c-transferred"):
    return [
        {"event": "newCall", "call_id": call_id, "direction": "in", "from_": "+79131110000", "to": LINE,
         "time": at(11)},
        {"event": "queue", "call_id": call_id, "time": at(11)},
        {"event": "ringing", "call_id": call_id, "user": ["102"], "time": at(11, 0, 2)},
        {"event": "answer", "call_id": call_id, "answeringNumber": "102", "time": at(11, 0, 20)},
        {"event": "transfer", "call_id": call_id, "target": "Отдел продаж (вн. 210)", "time": at(11, 1)},
        {"event": "hangup", "call_id": call_id, "cause": "forwarded", "time": at(11, 2, 20)},
    ]


def long_talk(call_id="c-long"):
    return [
        {"event": "newCall", "call_id": call_id, "direction": "in", "from_": "+79132220000", "to": LINE,
         "time": at(12)},
        {"event": "ringing", "call_id": call_id, "user": ["101"], "time": at(12, 0, 1)},
        {"event": "answer", "call_id": call_id, "answeringNumber": "101", "time": at(12, 0, 4)},
        {"event": "hangup", "call_id": call_id, "cause": "normalClearing", "time": at(12, 6, 44)},
    ]


def missed(call_id="c-missed"):
    return [
        {"event": "newCall", "call_id": call_id, "direction": "in", "from_": "+79133330000", "to": LINE,
         "time": at(16, 59, 30)},
        {"event": "ringing", "call_id": call_id, "user": ["102"], "time": at(16, 59, 32)},
        {"event": "hangup", "call_id": call_id, "cause": "noAnswer", "time": at(17, 0, 30)},
    ]


def outside_hours(call_id="c-early"):
    return [
        {"event": "newCall", "call_id": call_id, "direction": "in", "from_": "+79134440000", "to": LINE,
         "time": at(7, 30)},
        {"event": "hangup", "call_id": call_id, "cause": "normalClearing", "time": at(7, 30, 20)},
    ]


def replay(pbx, events, **kwargs):
    responses = [pbx(**dict(e), **kwargs) for e in events]
    assert [r.status_code for r in responses] == [200] * len(events), [r.content for r in responses]
    return responses
