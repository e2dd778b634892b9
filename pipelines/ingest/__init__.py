"""Imports: spreadsheets and other CRMs' exports into the database (`followup ingest`, /import).

`load_file(store, actor, path, ...)` imports one file and returns its RunSummary.
"""

from pipelines.ingest.load import RunSummary, load_file, prepare, previous_import
from pipelines.ingest.mapping import KINDS, Mapping, MappingError
from pipelines.ingest.readers import ReadError

__all__ = ["KINDS", "Mapping", "MappingError", "ReadError", "RunSummary", "load_file", "prepare", "previous_import"]
