"""Progress bars for the commands that run longer than a few seconds (rich, on stderr).

Off when stderr is not a terminal (a pipe, a log file, the tests) or with ``--quiet``,
so redirected output holds only the result. rich is imported when a bar is drawn, not
when the command line loads (``trialkit --help`` should start at once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

# set by the root ``--quiet`` option (a one-element list: mutable without ``global``)
QUIET = [False]


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def enabled(quiet: bool = False) -> bool:
    return not (quiet or QUIET[0]) and stderr_console().is_terminal


@contextmanager
def steps(
    title: str, phases: Sequence[str], *, quiet: bool = False
) -> Iterator[Callable[[str], None]]:
    """A bar over named phases; yields ``step(phase)``, called as each phase starts."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr_console(),
        transient=True,
        disable=not enabled(quiet),
    ) as bar:
        task = bar.add_task(title, total=len(phases))

        def step(phase: str) -> None:
            done = phases.index(phase) if phase in phases else 0
            bar.update(task, description=f"{title}: {phase}", completed=done)

        yield step
        bar.update(task, completed=len(phases))


@contextmanager
def spinner(title: str, *, quiet: bool = False) -> Iterator[None]:
    """A spinner with the elapsed time, for one step whose length is not known in advance."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=stderr_console(),
        transient=True,
        disable=not enabled(quiet),
    ) as bar:
        bar.add_task(title, total=None)
        yield


QUIET_OPTION_HELP = "No progress bar (it is also off when standard error is not a terminal)."
