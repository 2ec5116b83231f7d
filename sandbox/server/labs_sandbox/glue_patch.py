"""moto's Glue, made to honour the two UpdateTable members Iceberg's GlueCatalog relies on (installed once, at start).

Iceberg commits a table by writing a new metadata file, then UpdateTable with the new `metadata_location`,
`VersionId` = the version it read (Glue's optimistic lock: a concurrent commit in between makes Glue refuse with
ConcurrentModificationException, which Iceberg turns into a retried CommitFailedException) and `SkipArchive` =
`glue.skip-archive` (Iceberg's default true: Glue keeps no archived version of the table). moto 5.1.22 ignores both:
every UpdateTable wins and is archived. Here a stale VersionId is refused as Glue refuses it, and SkipArchive keeps
only the current version; the version number still moves on with each update, as Glue's does.
"""
from __future__ import annotations

import threading
from typing import Any, Optional

from moto.core.exceptions import JsonRESTError
from moto.core.responses import EmptyResult
from moto.glue import models, responses

_ORIGINAL = {"update_table": models.GlueBackend.update_table}
# moto's server is threaded: a read-compare-write of a table's version must not interleave with another.
_TABLE_LOCK = threading.Lock()


class ConcurrentModificationException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("ConcurrentModificationException", message)


def update_table(self: models.GlueBackend, database_name: str, table_name: str, table_input: dict[str, Any], version_id: Optional[str] = None, skip_archive: bool = False) -> None:
    with _TABLE_LOCK:
        table = self.get_table(database_name, table_name)
        current = str(table._current_version)
        if version_id is not None and str(version_id) != current:
            raise ConcurrentModificationException(
                f"Update table failed due to concurrent modifications: version {version_id} of {database_name}.{table_name} was asked for, its current version is {current}"
            )
        table.update(table_input)
        if skip_archive:
            table.versions.pop(current, None)


def resp_update_table(self: responses.GlueResponse) -> Any:
    database_name = self.parameters.get("DatabaseName")
    table_input = self.parameters.get("TableInput") or {}
    self.glue_backend.update_table(
        database_name,
        table_input.get("Name"),
        table_input,
        version_id=self.parameters.get("VersionId"),
        skip_archive=bool(self.parameters.get("SkipArchive", False)),
    )
    return EmptyResult()


def install() -> None:
    models.GlueBackend.update_table = update_table
    responses.GlueResponse.update_table = resp_update_table
