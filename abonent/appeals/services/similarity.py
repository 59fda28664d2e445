"""Finding the same customer's earlier answered appeals that say the same thing (a repeated question
with no new arguments, standard 2.2.4.4). Cosine similarity over Russian stems: cheap, explainable,
and limited to one customer's history so it never scans the registry."""

import math
from collections import Counter

from abonent.appeals.models import Appeal, Reply
from abonent.core.russian import stem_words

THRESHOLD = 0.6
_STOP = {"и", "в", "во", "не", "на", "с", "по", "о", "об", "от", "до", "за", "для", "что", "как", "к", "у", "из",
         "прош", "уважа", "ваш", "наш", "мы", "вы", "я", "это", "ил", "а", "но", "же", "бы", "то", "при"}


def _vector(text: str) -> Counter:
    return Counter(s for s in stem_words(text) if s not in _STOP and len(s) > 1)


def similarity(a: str, b: str) -> float:
    va, vb = _vector(a), _vector(b)
    dot = sum(va[k] * vb[k] for k in va.keys() & vb.keys())
    norm = math.sqrt(sum(v * v for v in va.values())) * math.sqrt(sum(v * v for v in vb.values()))
    return dot / norm if norm else 0.0


def earlier_answered_similar(appeal: Appeal, *, limit: int = 50) -> list[tuple[Appeal, float]]:
    if appeal.customer_id is None and not appeal.sender_email:
        return []
    earlier = Appeal.objects.filter(
        replies__status=Reply.Status.SENT, replies__purpose=Reply.Purpose.ANSWER,
        registered_at__lt=appeal.registered_at,
    ).exclude(pk=appeal.pk).distinct()
    earlier = earlier.filter(customer_id=appeal.customer_id) if appeal.customer_id else earlier.filter(
        sender_email__iexact=appeal.sender_email)
    text = f"{appeal.subject} {appeal.text}"
    scored = [(e, similarity(text, f"{e.subject} {e.text}")) for e in earlier.order_by("-registered_at")[:limit]]
    return sorted([(e, s) for e, s in scored if s >= THRESHOLD], key=lambda pair: -pair[1])
