"""The one guard at the I/O edge: bounded, decoded input and staged (all-or-nothing) output.

Every command reads its files and writes its folders through this module, so that a
hostile file (nested 5,000 levels deep, a 5,000-digit integer, bytes that are not
UTF-8) or a hostile destination (not writable, under a regular file, a full disk)
becomes an :class:`InputError` naming the file and the field — exit 2 on the command
line, 4xx on the API — instead of a Python traceback, and never a half-written folder.

The limits are generous for real data and far below what would hurt us: a FHIR R4
Bundle nests about a dozen levels (a Questionnaire's items a few more), and no
clinical quantity, count or date part needs more than a handful of digits.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialkit.errors import InputError

MAX_JSON_DEPTH = 100
"""Deepest nesting of arrays/objects accepted (Python's own parser fails near 1,000)."""

MAX_INT_DIGITS = 30
"""Most digits in a JSON integer (Python refuses past 4,300; nothing clinical needs 30)."""

MAX_TEXT_BYTES = 2 * 1024**3
"""Largest text file read whole into memory; populations go through ``trialkit cohort``."""

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]|[^\s\[\]{},:"]+')
_INTEGER = re.compile(r"-?\d+")
_ERRNO = re.compile(r"errno\W{0,4}(\d+)", re.IGNORECASE)


class _TooManyDigitsError(ValueError):
    pass


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _TooManyDigitsError(text)
    return int(text)


def parse_json(
    text: str, *, source: str | None = None, field: str | None = None, line: int | None = None
) -> Any:
    """``json.loads`` with bounded depth and integer size; errors name the source and field.

    ``field`` names ``text`` itself when it is one field of a request (the API's form fields);
    ``line`` is the line of ``text`` in its file (NDJSON), shown in the messages.
    """
    try:
        data = json.loads(text, parse_int=_parse_int)
    except _TooManyDigitsError:
        raise _located(text, source, field, line, "an integer with more than {} digits") from None
    except RecursionError:
        raise _located(text, source, field, line, "nested more than {} levels deep") from None
    except json.JSONDecodeError as exc:
        at = f"line {line}" if line is not None else f"line {exc.lineno}, column {exc.colno}"
        raise InputError(f"not valid JSON ({at}: {exc.msg})", source=source, field=field) from exc
    if _depth(data) > MAX_JSON_DEPTH:
        raise _located(text, source, field, line, "nested more than {} levels deep")
    return data


def _depth(data: Any) -> int:
    """Nesting depth without recursion (the data may be nested beyond the stack)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((c, level + 1) for c in children if isinstance(c, dict | list))
    return deepest


def _located(
    text: str, source: str | None, base: str | None, line: int | None, what: str
) -> InputError:
    """The first place in ``text`` that breaks a limit, as an error naming its JSON path."""
    limit = MAX_INT_DIGITS if "digits" in what else MAX_JSON_DEPTH
    message = what.format(limit)
    frames: list[list[Any]] = []  # [kind, key or index, awaiting a key]
    for match in _TOKEN.finditer(text):
        token = match.group()
        top = frames[-1] if frames else None
        if token in "[{":
            frames.append(["[", 0, False] if token == "[" else ["{", None, True])
            if len(frames) > MAX_JSON_DEPTH and "deep" in what:
                break
        elif token in "]}":
            if frames:
                frames.pop()
        elif token == ",":
            if top is not None and top[0] == "[":
                top[1] += 1
            elif top is not None:
                top[2] = True
        elif token == ":":
            continue
        elif top is not None and top[0] == "{" and top[2]:
            top[1], top[2] = token[1:-1], False
        elif "digits" in what and _INTEGER.fullmatch(token) and len(token) > limit:
            break
    else:
        return InputError(message, source=source, field=base)
    parts = [f"[{f[1]}]" if f[0] == "[" else f".{f[1]}" for f in frames if f[1] is not None]
    if len(parts) > 8:
        parts = [*parts[:6], "…", *parts[-1:]]
    field = ".".join(p for p in (base, "".join(parts).lstrip(".")) if p) or "(top level)"
    row = line if line is not None else text.count("\n", 0, match.start()) + 1
    return InputError(f"{message} (line {row})", source=source, field=field)


def read_text(path: Path, *, encoding: str = "utf-8") -> str:
    """A whole text file (``.gz`` decompressed), or an error naming it and the bad byte."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise InputError(
                f"{size / 1024**3:.1f} GiB is larger than the {MAX_TEXT_BYTES // 1024**3} GiB "
                "read into memory",
                source=source,
            )
        raw = path.read_bytes()
        if path.name.endswith(".gz"):
            raw = gzip.decompress(raw)
    except FileNotFoundError as exc:
        raise InputError("file not found", source=source) from exc
    except IsADirectoryError as exc:
        raise InputError("is a folder, not a file", source=source) from exc
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
        raise InputError(f"cannot read ({reason})", source=source) from exc
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        row = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
            source=source,
            field=f"line {row}",
        ) from None


def read_json(path: Path) -> Any:
    """A whole JSON file, bounded as :func:`parse_json`."""
    return parse_json(read_text(path), source=str(path))


# --- output --------------------------------------------------------------------------------


def check_output_folder(folder: Path, option: str) -> None:
    """A folder we may create or write into, or an error saying why not (before any work)."""
    target = folder.absolute()
    probe = target
    while not probe.exists() and not probe.is_symlink():
        probe = probe.parent
    if not probe.is_dir():
        where = "is" if probe == target else f"lies under {probe}, which is"
        raise InputError(f"{where} a regular file, not a folder", source=str(folder), field=option)
    if not os.access(probe, os.W_OK | os.X_OK):
        shown = "" if probe == target else f" ({probe} is not)"
        raise InputError(f"is not writable{shown}", source=str(folder), field=option)


def check_output_file(path: Path, option: str) -> None:
    """A file we may write (a name, not an existing folder, in a folder we may write)."""
    if not path.name or path.is_dir():
        raise InputError("is a folder; give the file to write", source=str(path), field=option)
    check_output_folder(path.parent, option)


@dataclass(frozen=True)
class Staging:
    """Where a command writes (``path``), and where that ends up once it all succeeded."""

    path: Path
    folder: Path

    def final(self, written: Path) -> Path:
        """The final place of a path written under :attr:`path`."""
        return self.folder / written.relative_to(self.path)


@contextmanager
def staged_output(folder: Path, option: str) -> Iterator[Staging]:
    """Write into a hidden temporary folder inside ``folder``; move it all in on success.

    A failure (disk full, permissions, any error of the writer) removes the temporary
    folder and any folder this created, so nothing half-written is left; a write error
    becomes an :class:`InputError` naming the folder and ``option``.
    """
    check_output_folder(folder, option)
    created: list[Path] = []
    try:
        for parent in reversed([folder, *folder.parents]):
            if not parent.exists():
                parent.mkdir()
                created.append(parent)
        tmp = Path(tempfile.mkdtemp(prefix=".trialkit-partial-", dir=folder))
    except OSError as exc:
        _remove_created(created)
        raise _write_error(exc, folder, option) from exc
    try:
        yield Staging(tmp, folder)
        _merge(tmp, folder)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_created(created)
        if _is_write_error(exc):
            raise _write_error(exc, folder, option) from exc
        raise
    shutil.rmtree(tmp, ignore_errors=True)


def _merge(tmp: Path, folder: Path) -> None:
    """Move every entry of ``tmp`` into ``folder`` (same file system: renames, no copying)."""
    for entry in sorted(tmp.iterdir()):
        target = folder / entry.name
        if entry.is_dir() and target.is_dir():
            _merge(entry, target)
        else:
            os.replace(entry, target)


def _remove_created(created: list[Path]) -> None:
    for path in reversed(created):
        shutil.rmtree(path, ignore_errors=True)


def _is_write_error(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return True
    # DuckDB's COPY reports a full disk as its own IOException; duckdb is imported lazily
    duckdb = sys.modules.get("duckdb")
    return duckdb is not None and isinstance(exc, duckdb.IOException)


def _write_error(exc: BaseException, folder: Path, option: str) -> InputError:
    # DuckDB and Arrow wrap the operating system's error in their own text: show the system's
    number = getattr(exc, "errno", None)
    text = str(exc)
    found = _ERRNO.search(text)
    if not isinstance(number, int) and found:
        number = int(found.group(1))
    reason = os.strerror(number) if isinstance(number, int) else text.splitlines()[0]
    return InputError(
        f"cannot write ({reason}); nothing was written", source=str(folder), field=option
    )
