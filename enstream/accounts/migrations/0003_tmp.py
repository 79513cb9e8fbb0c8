# No operations. issuers.0001_initial was generated while a temporary accounts migration of
# this name existed and depends on it by name; this keeps the migration graph whole.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_backupcodedevice_encryptedtotpdevice_invitation_and_more")]
    operations = []
