from django.db import migrations


def seed(apps, schema_editor):
    SurveyPolicy = apps.get_model("feedback", "SurveyPolicy")
    if not SurveyPolicy.objects.exists():
        SurveyPolicy.objects.create()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
