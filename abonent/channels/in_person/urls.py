app_name = "in_person"
urlpatterns: list = []
