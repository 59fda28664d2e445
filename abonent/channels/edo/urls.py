app_name = "edo"
urlpatterns: list = []
