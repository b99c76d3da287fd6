"""Insured persons (参保人) and the logins that let them read their own record."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agency.models import Region, history


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("resident ID card")
    PASSPORT = "passport", _("passport")
    FOREIGN_PERMANENT = "foreign_permanent", _("foreign permanent residence ID")
    HMT_PERMIT = "hmt_permit", _("Hong Kong, Macao, Taiwan residence permit")


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class HukouType(models.TextChoices):
    URBAN = "urban", _("urban")
    RURAL = "rural", _("rural")
    NONE = "none", _("none (foreign national)")


class StatementDelivery(models.TextChoices):
    POST = "post", _("post")
    EMAIL = "email", _("e-mail")
    ONLINE = "online", _("online")


@pghistory.track(*history())
class InsuredPerson(models.Model):
    document_type = models.CharField(_("document type"), max_length=20, choices=DocumentType.choices,
                                     default=DocumentType.RESIDENT_ID)
    # Upper-case; for a resident ID it is also the social security number (Art. 58).
    document_number = models.CharField(_("document number"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    nationality = models.CharField(_("nationality"), max_length=3, default="CHN",
                                   help_text=_("ISO 3166-1 alpha-3"))
    # The pooling region whose agency keeps the person's record.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="persons",
                               verbose_name=_("insured in region"))
    hukou_region_code = models.CharField(_("household registration region"), max_length=6, blank=True)
    hukou_type = models.CharField(_("household registration type"), max_length=10, choices=HukouType.choices,
                                  default=HukouType.URBAN)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    postal_address = models.CharField(_("postal address"), max_length=300, blank=True)
    statement_delivery = models.CharField(_("statement delivery"), max_length=10,
                                          choices=StatementDelivery.choices, default=StatementDelivery.ONLINE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_paths = {"region": "region_id", "person": "id"}

    class Meta:
        ordering = ["id"]
        verbose_name = _("insured person")
        verbose_name_plural = _("insured persons")
        constraints = [
            # One person per document number, whatever the document type.
            models.UniqueConstraint(fields=["document_number"], name="person_one_per_document"),
            models.CheckConstraint(condition=Q(document_number=models.functions.Upper("document_number")),
                                   name="person_document_upper_case"),
            models.CheckConstraint(
                condition=~Q(document_type="resident_id") | Q(document_number__regex=r"^\d{17}[0-9X]$"),
                name="person_resident_id_format"),
            models.CheckConstraint(condition=~Q(statement_delivery="post") | ~Q(postal_address=""),
                                   name="person_post_needs_address"),
        ]
        indexes = [models.Index(fields=["region", "id"], name="person_region_id")]

    def __str__(self) -> str:
        from common.identifiers import mask_document

        return f"{self.name} ({mask_document(self.document_number)})"


class PersonLogin(models.Model):
    """Links a Django user to the one InsuredPerson whose record they read."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person_login")
    person = models.OneToOneField(InsuredPerson, on_delete=models.PROTECT, related_name="login")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"region": "person__region_id", "person": "person_id"}

    class Meta:
        verbose_name = _("person login")
        verbose_name_plural = _("person logins")

    def __str__(self) -> str:
        return f"{self.user} → {self.person}"
