"""Datasette for the archive: the shipped metadata (titles, column descriptions, facets, canned
queries, the FTS search box) and a ``Datasette`` instance that serves an archive with it.

Datasette keys metadata by database name, which it takes from the file name, so the shipped
metadata is written for ``archive`` and re-keyed to whatever the archive file is called.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

from datasette.app import Datasette

_SHIPPED_DATABASE = "archive"


def datasette_metadata(database: str = _SHIPPED_DATABASE) -> dict[str, Any]:
    """The shipped metadata, for the Datasette database called ``database``."""
    metadata = json.loads(files("archive").joinpath("metadata.json").read_text("utf-8"))
    metadata["databases"] = {database: metadata["databases"][_SHIPPED_DATABASE]}
    return metadata


def archive_datasette(path: Path) -> Datasette:
    """A Datasette serving the archive at ``path`` (read-write, so it sees a running crawl's
    writes) with the shipped metadata."""
    return Datasette([str(path)], metadata=datasette_metadata(path.stem))
