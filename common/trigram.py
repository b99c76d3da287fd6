"""Trigram (pg_trgm) name indexes, created where the server offers the extension.

The embedded pgserver build ships no pg_trgm; there name search still works
(ILIKE), only without the index. Real servers (Debian's, the compose image) have it.
"""

from django.db import migrations


def trigram_index(table: str, column: str, name: str) -> migrations.RunSQL:
    create = f"""
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops);
  END IF;
END $$;"""
    return migrations.RunSQL(create, reverse_sql=f"DROP INDEX IF EXISTS {name};")
