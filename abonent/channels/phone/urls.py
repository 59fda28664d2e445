from django.urls import path

from abonent.channels.phone import views, webhook

app_name = "phone"
urlpatterns = [
    path("", views.my_calls, name="my_calls"),
    path("live/", views.live_panel, name="live"),
    path("calls/", views.call_log, name="log"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/<int:pk>/identify/", views.identify, name="identify"),
    path("calls/<int:pk>/appeal/", views.appeal, name="appeal"),
    path("calls/<int:pk>/recording-warning/", views.recording_warning, name="recording_warning"),
    path("calls/<int:pk>/abuse/", views.abuse, name="abuse"),
    path("callbacks/<int:pk>/done/", views.callback_done, name="callback_done"),
    path("board/", views.board, name="board"),
    path("board/live/", views.board_live, name="board_live"),
    path("pbx/<str:token>/", webhook.event, name="pbx_event"),
    path("pbx/<str:token>/open", webhook.line_open, name="pbx_open"),
    path("pbx/<str:token>/outbound", webhook.outbound_fetch, name="pbx_outbound"),
    path("pbx/<str:token>/outbound/<int:pk>/result", webhook.outbound_result, name="pbx_outbound_result"),
]
