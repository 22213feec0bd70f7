from django.db import migrations


def seed(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.create_superuser("ops-admin", "ops@acme.example", "Walnut!Quartz!82")
    User.objects.create_user("viewer", "viewer@acme.example", password=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0041_user_locale")]
    operations = [migrations.RunPython(seed)]
