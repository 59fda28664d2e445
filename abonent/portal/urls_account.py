"""The portal's account pages (home, account state, financial documents) and its appeals."""

from django.urls import path

from abonent.portal import views_account, views_appeals

urlpatterns = [
    path("", views_account.home, name="home"),
    path("accounts/<int:account_id>/", views_account.account, name="account"),
    path("accounts/<int:account_id>/documents/", views_account.documents, name="documents"),
    path("documents/<int:document_id>/", views_account.document, name="document"),
    path("documents/<int:document_id>/pdf/", views_account.document_pdf, name="document_pdf"),
    path("appeals/", views_appeals.appeal_list, name="appeals"),
    path("appeals/new/", views_appeals.appeal_new, name="appeal_new"),
    path("appeals/<int:appeal_id>/", views_appeals.appeal_detail, name="appeal"),
    path("appeals/<int:appeal_id>/message/", views_appeals.appeal_message, name="appeal_message"),
    path("replies/<int:reply_id>/pdf/", views_appeals.reply_pdf, name="reply_pdf"),
    path("attachments/<int:attachment_id>/", views_appeals.attachment, name="attachment"),
]
