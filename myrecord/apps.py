from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MyRecordConfig(AppConfig):
    # The insured person's own web pages (Art. 74: read free of charge): record, months, account,
    # statements, access log and applications, server-rendered in Chinese.
    name = "myrecord"
    verbose_name = _("Persons' own pages")
