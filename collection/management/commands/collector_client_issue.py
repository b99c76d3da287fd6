"""Issue an API client to the collector's system of a region (scope `collect`); prints the client id
and the secret once.

    manage.py collector_client_issue 310101 "国家税务总局上海市黄浦区税务局"
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from agency.models import Region
from collection.services.clients import collector_client_issue
from common.access import Viewer


class Command(BaseCommand):
    help = "Issue an OAuth client (client credentials, scope collect) to a region's collector system."

    def add_arguments(self, parser):
        parser.add_argument("region", help="The region's 6-digit code.")
        parser.add_argument("label")

    def handle(self, *args, region: str, label: str, **options):
        found = Region.objects.filter(code=region).first()
        if found is None:
            raise CommandError(f"No region {region}")
        client, secret = collector_client_issue(region=found, label=label, actor=Viewer.system())
        self.stdout.write(f"client_id={client.application.client_id}\nclient_secret={secret}")
