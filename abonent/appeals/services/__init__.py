"""The only way to change an appeal: these service functions, each one transaction writing its event."""

from abonent.appeals.services.intake import AppealDraft, Registration, register_appeal
from abonent.appeals.services.non_consideration import decide_non_consideration, suggest_grounds
from abonent.appeals.services.replies import (
    approve_reply,
    approve_typical_reply,
    draft_reply,
    mark_reply_undelivered,
    resend_reply,
    return_reply,
    send_reply,
    submit_reply,
)
from abonent.appeals.services.workflow import (
    add_control_item,
    add_message,
    add_note,
    assign_appeal,
    classify_appeal,
    close_appeal,
    complete_control_item,
    extend_deadline,
    flag_conflict,
    record_apology,
    set_urgency,
    take_appeal,
)

__all__ = [
    "AppealDraft", "Registration", "add_control_item", "add_message", "add_note", "approve_reply",
    "approve_typical_reply", "assign_appeal", "classify_appeal", "close_appeal", "complete_control_item",
    "decide_non_consideration", "draft_reply", "extend_deadline", "flag_conflict", "mark_reply_undelivered",
    "record_apology",
    "register_appeal", "resend_reply", "return_reply", "send_reply", "set_urgency", "submit_reply",
    "suggest_grounds", "take_appeal",
]
