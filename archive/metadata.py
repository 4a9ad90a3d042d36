"""Datasette for the archive: the shipped metadata (titles, column descriptions, facets, canned
queries, the reading view), the plugin in :mod:`archive.datasette_plugin`, and a ``Datasette``
that serves an archive with both, merged with whatever options the user passes.

Datasette keys metadata by database name, which it takes from the file name, so the shipped
metadata is written for ``archive`` and re-keyed to whatever the archive file is called.
"""

from __future__ import annotations

import json
import sqlite3
from importlib.resources import files
from pathlib import Path
from typing import Any

from datasette.app import Datasette
from datasette.plugins import pm

from archive import datasette_plugin

_SHIPPED_DATABASE = "archive"
#: Settings that make the tables readable: long texts cut to a line or two (the row page
#: shows them whole); the user's ``--setting`` overrides them.
SETTINGS = {"truncate_cells_html": 160}


def datasette_metadata(database: str = _SHIPPED_DATABASE) -> dict[str, Any]:
    """The shipped metadata, for the Datasette database called ``database``."""
    metadata = json.loads(files("archive").joinpath("metadata.json").read_text("utf-8"))
    shipped = metadata["databases"][_SHIPPED_DATABASE]
    shipped["description_html"] = shipped["description_html"].replace("{database}", database)
    metadata["databases"] = {database: shipped}
    return metadata


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` laid over it, nested dictionaries merged key by key, so a
    user's metadata can add a description to one column without losing the others."""
    result = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def user_metadata(path: Path) -> dict[str, Any]:
    """The user's ``--metadata`` file; ValueError, in one line, when it is no JSON object."""
    try:
        metadata = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not JSON metadata: {error}") from None
    if not isinstance(metadata, dict):
        raise ValueError(f"{path} is not JSON metadata: not an object")
    return metadata


def datasette_settings(pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """``--setting NAME VALUE`` pairs as Datasette wants them (numbers and booleans typed by
    the setting's default); ValueError for a setting Datasette does not have."""
    from datasette.app import DEFAULT_SETTINGS

    settings: dict[str, Any] = {}
    for name, value in pairs:
        if name not in DEFAULT_SETTINGS:
            raise ValueError(f"--setting {name}: Datasette has no such setting")
        default = DEFAULT_SETTINGS[name]
        try:
            if isinstance(default, bool):
                if value.lower() not in ("on", "off", "true", "false", "1", "0"):
                    raise ValueError(value)
                settings[name] = value.lower() in ("on", "true", "1")
            elif isinstance(default, int):
                settings[name] = int(value)
            else:
                settings[name] = value
        except ValueError:
            raise ValueError(f"--setting {name}: {value!r} is not a "
                             f"{type(default).__name__}") from None
    return settings


def archive_datasette(path: Path, *, metadata: dict[str, Any] | None = None,
                      settings: dict[str, Any] | None = None, plugins_dir: Path | None = None,
                      template_dir: Path | None = None) -> Datasette:
    """A Datasette serving the archive at ``path`` (read-write, so it sees a running crawl's
    writes) with the shipped metadata and plugin, and the user's own options over them."""
    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name="blog-archive")
    # Datasette prints the traceback of every exception an SQL function raises; a search
    # query that cannot be read is the user's, said in one line on the page, not a bug.
    sqlite3.enable_callback_tracebacks(False)
    return Datasette(
        [str(path)], metadata=merged(datasette_metadata(path.stem), metadata or {}),
        settings={**SETTINGS, **(settings or {})},
        plugins_dir=str(plugins_dir) if plugins_dir else None,
        template_dir=str(template_dir) if template_dir else None,
    )
