"""Persons' pages: login, activation with the letter's code, password reset by e-mail on record."""

from __future__ import annotations

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from agency.staff_sessions import PersonLoginForm
from common.problems import ApplicationError
from common.security import client_address
from insured.logins import (
    password_reset_done_record,
    password_reset_request_record,
    person_activation_redeem,
    person_reset_tokens,
    person_users_by_email,
)


class ActivationForm(forms.Form):
    document_number = forms.CharField(label=_("Document number"), max_length=30)
    code = forms.CharField(label=_("Activation code (from your letter)"), max_length=30)
    password1 = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


@sensitive_post_parameters("code", "password1", "password2")
@csrf_protect
@never_cache
def activate(request):
    form = ActivationForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            person_activation_redeem(document_number=form.cleaned_data["document_number"],
                                     code=form.cleaned_data["code"], password=form.cleaned_data["password1"],
                                     address=client_address(request))
        except ApplicationError as err:
            status = err.status
            if err.errors:
                for item in err.errors:
                    form.add_error("password1" if item.get("field") == "password" else None, item["message"])
            elif err.type_slug == "login-locked":
                form.add_error(None, _("Too many failed attempts: try again later, or ask at the counter."))
            else:
                form.add_error(None, _("The document number and code do not match a valid activation letter."))
        else:
            return redirect(reverse_lazy("login") + "?activated=1")
    return render(request, "registration/activate.html", {"form": form}, status=status)


class PersonPasswordResetForm(PasswordResetForm):
    """Sends the link to the e-mail address on the person's record."""

    def get_users(self, email):
        return person_users_by_email(email)

    def save(self, *args, request=None, **kwargs):
        for user in self.get_users(self.cleaned_data["email"]):
            password_reset_request_record(user=user, address=client_address(request) if request is not None else None)
        return super().save(*args, request=request, **kwargs)


class PersonSetPasswordForm(SetPasswordForm):
    def save(self, commit=True):
        user = super().save(commit)
        password_reset_done_record(user=user, address=None)
        return user


login = auth_views.LoginView.as_view(template_name="registration/login.html", authentication_form=PersonLoginForm)
password_reset = auth_views.PasswordResetView.as_view(
    form_class=PersonPasswordResetForm, token_generator=person_reset_tokens,
    template_name="registration/person_password_reset_form.html",
    email_template_name="registration/person_password_reset_email.txt",
    subject_template_name="registration/person_password_reset_subject.txt",
    success_url=reverse_lazy("password_reset_done"))
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/person_password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=PersonSetPasswordForm, token_generator=person_reset_tokens,
    template_name="registration/person_password_reset_confirm.html",
    success_url=reverse_lazy("password_reset_complete"))
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/person_password_reset_complete.html")
