"""Database routing: the primary for everything, a streaming replica for the reads marked for it.

With REPLICA_DATABASE_URL set, settings define a `replica` alias and this router sends reads made
inside `common.replicas.replica_reads()` there (the admin's lists, the statement snapshot reads),
unless they run inside a transaction on the primary. Writes, migrations and all other reads go to the
primary. Without a replica every decision is the primary. See docs/scaling.md.
"""

from __future__ import annotations

from common.replicas import PRIMARY, REPLICA, read_alias


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both: rows read from either may be related

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # a replica follows the primary's schema by replication
