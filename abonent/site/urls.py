from django.urls import path

from abonent.site import views
from abonent.site.feeds import NewsFeed

app_name = "site"
urlpatterns = [
    path("", views.index, name="index"),
    path("reception/", views.reception, name="reception"),
    path("reception/suggest/", views.suggest, name="suggest"),
    path("reception/done/<uuid:token>/", views.reception_done, name="reception_done"),
    path("contacts/", views.contacts, name="contacts"),
    path("templates/", views.templates, name="templates"),
    path("templates/<int:pk>/download/", views.template_download, name="template_download"),
    path("info/", views.info, name="info"),
    path("info/<slug:slug>/", views.info_page, name="info_page"),
    path("questions/", views.questions, name="questions"),
    path("questions/<int:pk>/", views.question, name="question"),
    path("news/", views.news, name="news"),
    path("news/feed/", NewsFeed(), name="news_feed"),
    path("news/<int:pk>/", views.news_item, name="news_item"),
    path("portal/", views.portal_howto, name="portal"),
]
