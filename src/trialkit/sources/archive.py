"""Zipped sources: an OMOP CDM instance (or NDJSON folder) shipped as one ``.zip`` archive.

OHDSI ships its Eunomia datasets this way (CSV tables, with macOS ``__MACOSX`` resource
forks beside them). The archive is unpacked into the run's staging folder, never beside
the source, and read like the folder it holds.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from trialkit.errors import InputError


def is_zip(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".zip"


def _wanted(name: str) -> bool:
    # macOS resource forks and hidden files are not tables
    parts = PurePosixPath(name).parts
    return not any(p == "__MACOSX" or (p.startswith(".") and p != "..") for p in parts)


def unpack(path: Path, dest: Path) -> Path:
    """Unpack ``path`` into ``dest``; the folder holding its files (a lone top folder is
    descended into). Unsafe member names and archives larger than the free disk are refused
    before anything is written."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"not a readable zip archive ({exc})", source=str(path)) from exc
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and _wanted(m.filename)]
        if not members:
            raise InputError("the zip archive holds no tables", source=str(path))
        for m in members:
            name = PurePosixPath(m.filename)
            if name.is_absolute() or ".." in name.parts or "\\" in m.filename:
                raise InputError(f"unsafe member name {m.filename!r}", source=str(path))
        dest.mkdir(parents=True, exist_ok=True)
        size = sum(m.file_size for m in members)
        free = shutil.disk_usage(dest).free
        if size > free:
            raise InputError(
                f"unpacks to {size:,} bytes, more than the {free:,} free for staging",
                source=str(path),
            )
        try:
            for m in members:
                archive.extract(m, dest)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InputError(f"zip archive unreadable ({exc})", source=str(path)) from exc
    tops = {PurePosixPath(m.filename).parts[0] for m in members}
    if len(tops) == 1 and all(len(PurePosixPath(m.filename).parts) > 1 for m in members):
        return dest / tops.pop()
    return dest


class Unpacked:
    """The zipped sources of one run, unpacked under ``folder``; see :func:`unpacked_sources`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.archives: dict[Path, Path] = {}

    def readable(self, path: Path) -> Path:
        """``path`` itself, or for a zip archive the folder it was unpacked to."""
        if not is_zip(path):
            return path
        folder = unpack(path, self.folder / f"unzipped-{len(self.archives)}")
        self.archives[folder] = path
        return folder


@contextmanager
def unpacked_sources(folder: Path) -> Iterator[Unpacked]:
    """Unpack zipped sources under ``folder``; input errors raised while reading them name
    the archive the user gave, not the staging copy."""
    unpacked = Unpacked(folder)
    try:
        yield unpacked
    except InputError as exc:
        message = str(exc)
        for copy, archive in unpacked.archives.items():
            if str(copy) in message:
                raise InputError(message.replace(str(copy), str(archive))) from exc
        raise
