from django.db import migrations

from common.trigram import trigram_index


class Migration(migrations.Migration):
    dependencies = [("insured", "0001_initial")]
    operations = [trigram_index("insured_insuredperson", "name", "person_name_trgm")]
