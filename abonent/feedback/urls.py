from django.urls import path
from django.views.generic import RedirectView

from abonent.feedback.views import builder, public, staff

app_name = "feedback"
urlpatterns = [
    # Back office
    path("", RedirectView.as_view(pattern_name="feedback:list"), name="index"),
    path("list/", staff.feedback_list, name="list"),
    path("surveys/", staff.surveys, name="surveys"),
    path("surveys/low/", staff.low_ratings, name="low_ratings"),
    path("appeals/<str:number>/subject/", staff.appeal_subject, name="appeal_subject"),
    path("questionnaires/", builder.questionnaire_list, name="questionnaires"),
    path("questionnaires/new/", builder.questionnaire_new, name="questionnaire_new"),
    path("questionnaires/<int:pk>/", builder.questionnaire_detail, name="questionnaire"),
    path("questionnaires/<int:pk>/edit/", builder.questionnaire_edit, name="questionnaire_edit"),
    path("questionnaires/<int:pk>/questions/new/", builder.question_new, name="question_new"),
    path("questionnaires/<int:pk>/questions/<int:question_pk>/", builder.question_edit, name="question_edit"),
    path("questionnaires/<int:pk>/questions/<int:question_pk>/delete/", builder.question_delete,
         name="question_delete"),
    path("questionnaires/<int:pk>/questions/<int:question_pk>/move/", builder.question_move, name="question_move"),
    path("questionnaires/<int:pk>/open/", builder.questionnaire_open, name="questionnaire_open"),
    path("questionnaires/<int:pk>/close/", builder.questionnaire_close, name="questionnaire_close"),
    path("questionnaires/<int:pk>/invite/", builder.questionnaire_invite, name="questionnaire_invite"),
    path("questionnaires/<int:pk>/results/", builder.questionnaire_results, name="questionnaire_results"),
    path("questionnaires/<int:pk>/results.csv", builder.questionnaire_csv, name="questionnaire_csv"),
    path("my/", builder.my_questionnaires, name="my_questionnaires"),
    path("my/<int:pk>/", builder.staff_answer, name="staff_answer"),
    # Public pages, no login
    path("s/<str:token>/", public.survey_answer, name="survey_answer"),
    path("q/<str:token>/", public.invitation_answer, name="invitation_answer"),
    path("polls/", public.poll_list, name="polls"),
    path("polls/<slug:slug>/", public.poll, name="poll"),
    path("polls/<slug:slug>/results/", public.poll_results, name="poll_results"),
]
