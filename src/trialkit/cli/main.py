"""``trialkit`` entry point: registers every command group and turns user errors into exit 2."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from trialkit import __version__
from trialkit.errors import TrialkitError

app = typer.Typer(
    name="trialkit",
    help="Make a clinical trial protocol executable: screening, conduct, analysis.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    # Each command group lives in its own module; importing registers it on ``app``.
    from trialkit.cli import commands  # noqa: F401


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(f"trialkit {__version__}")
        raise typer.Exit(0)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code.

    User errors (:class:`TrialkitError`) print one line on stderr and give 2,
    never a traceback; usage errors are typer's own (also 2).
    """
    _register()
    command = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name="trialkit", standalone_mode=True)
    except TrialkitError as exc:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"[bold red]error:[/] {escape(str(exc))}"
        )
        return 2
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
