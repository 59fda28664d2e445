from django.urls import path, register_converter

from abonent.appeals.views import actions, control, detail, queues, registration, replies


class AppealNumberConverter:
    regex = r"\d{4}-\d{6,}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AppealNumberConverter, "appeal_number")

app_name = "appeals"
urlpatterns = [
    path("", queues.queue, name="queue"),
    path("new/", registration.register, name="register"),
    path("new/customers/", registration.customer_lookup, name="customer_lookup"),
    path("new/customer/", registration.customer_pick, name="customer_pick"),
    path("control/", control.control, name="control"),
    path("approvals/", replies.approvals, name="approvals"),
    path("<appeal_number:number>/", detail.detail, name="detail"),
    path("<appeal_number:number>/stamp.pdf", detail.stamp_pdf, name="stamp_pdf"),
    path("<appeal_number:number>/files/<int:pk>/", detail.attachment, name="attachment"),
    path("<appeal_number:number>/replies/<int:pk>.pdf", detail.reply_pdf, name="reply_pdf"),
    # Workflow actions (POST)
    path("<appeal_number:number>/take/", actions.take, name="take"),
    path("<appeal_number:number>/assign/", actions.assign, name="assign"),
    path("<appeal_number:number>/extend/", actions.extend, name="extend"),
    path("<appeal_number:number>/classify/", actions.classify, name="classify"),
    path("<appeal_number:number>/urgency/", actions.urgency, name="urgency"),
    path("<appeal_number:number>/conflict/", actions.conflict, name="conflict"),
    path("<appeal_number:number>/apology/", actions.apology, name="apology"),
    path("<appeal_number:number>/note/", actions.note, name="note"),
    path("<appeal_number:number>/control/add/", actions.control_add, name="control_add"),
    path("<appeal_number:number>/control/complete/", actions.control_complete, name="control_complete"),
    path("<appeal_number:number>/non-consideration/", actions.non_consideration, name="non_consideration"),
    path("<appeal_number:number>/close/", actions.close, name="close"),
    # Replies (POST), and the knowledge base in the reply panel
    path("<appeal_number:number>/reply/draft/", replies.reply_draft, name="reply_draft"),
    path("<appeal_number:number>/reply/submit/", replies.reply_submit, name="reply_submit"),
    path("<appeal_number:number>/reply/typical/", replies.reply_typical, name="reply_typical"),
    path("<appeal_number:number>/replies/<int:pk>/approve/", replies.reply_approve, name="reply_approve"),
    path("<appeal_number:number>/replies/<int:pk>/return/", replies.reply_return, name="reply_return"),
    path("<appeal_number:number>/replies/<int:pk>/resend/", replies.reply_resend, name="reply_resend"),
    path("<appeal_number:number>/typical-answers/", replies.typical_search, name="typical_search"),
    path("<appeal_number:number>/typical-answers/<int:pk>/insert/", replies.typical_insert, name="typical_insert"),
]
