from django.db import migrations

from common.trigram import trigram_index


class Migration(migrations.Migration):
    dependencies = [("employers", "0001_initial")]
    operations = [trigram_index("employers_employer", "name", "employer_name_trgm")]
