"""Which files of a landing folder are extracts, of which entity, in which order."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from credit_scoreboard.contract import ENTITIES, EXTRACT_EXTENSIONS, STATUS_MESSAGE_EXTENSION


class ExtractError(Exception):
    """A file that cannot be read at all: the run stops (CONTRACT.md section 1).

    `str(error)` is one line: `<file name>: <problem>`.
    """

    def __init__(self, file_name: str, problem: str):
        self.file_name = file_name
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{self.file_name}: {self.problem}")


@dataclass(frozen=True)
class ExtractFile:
    path: Path
    entity: str
    checksum: str  # sha256 of the bytes: an unchanged file is not loaded twice

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def extension(self) -> str:
        return self.path.suffix.lower().lstrip(".")


# `<entity>.<ext>` or `<entity>_<anything>.<ext>`; entity names may hold `_`
# (invoice_statuses): the longest entity name the file name starts with wins.
_ENTITY_PREFIX = re.compile(
    "^(?P<entity>" + "|".join(sorted(map(re.escape, ENTITIES), key=len, reverse=True))
    + r")(?:_.*)?$", re.IGNORECASE)


def entity_of(stem: str) -> str | None:
    """The entity a file name (without extension) names, None when it names none."""
    match = _ENTITY_PREFIX.match(stem)
    return match["entity"].lower() if match else None


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def discover_extracts(landing_dir: Path) -> list[ExtractFile]:
    """The extract files of a landing folder, in load order.

    Load order: entity (contract.ENTITIES: customers first, so that later entities are
    checked against the keys already loaded), then file modification time, then name.
    Every `*.xml` file is invoice_statuses (CDAR messages, named as each platform names
    them). Hidden files and other extensions (manifest.json, README...) are ignored; a
    csv, parquet or xlsx file whose name names no entity raises ExtractError.
    """
    extracts = []
    for path in landing_dir.iterdir():
        if path.name.startswith(".") or not path.is_file():
            continue
        extension = path.suffix.lower().lstrip(".")
        if extension == STATUS_MESSAGE_EXTENSION:
            extracts.append((path, "invoice_statuses"))
            continue
        if extension not in EXTRACT_EXTENSIONS:
            continue
        entity = entity_of(path.stem)
        if entity is None:
            raise ExtractError(
                path.name,
                f"unknown entity {path.stem.split('_')[0]!r} (file names start with one of: "
                f"{', '.join(ENTITIES)})",
            )
        extracts.append((path, entity))
    entity_order = list(ENTITIES)
    extracts.sort(key=lambda item: (entity_order.index(item[1]), item[0].stat().st_mtime_ns,
                                    item[0].name))
    return [ExtractFile(path, entity, file_checksum(path)) for path, entity in extracts]
