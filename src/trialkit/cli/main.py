"""``trialkit`` entry point: registers every command group and turns user errors into exit 2.

The command modules import only typer, rich and light trialkit modules at import time;
each command imports the heavy libraries it needs (scipy, SQLAlchemy, ibis, pandas,
pyarrow, matplotlib…) when it runs, so ``trialkit --help`` and every ``--help`` answer at
once (issue 14; ``tests/cli/test_help.py`` checks it from ``sys.modules``).
"""

from __future__ import annotations

import sys
from types import MethodType
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperArgument, TyperOption

from trialkit import __version__
from trialkit.cli import progress
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


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"trialkit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        callback=_print_version,
        help="Print the version and exit.",
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="No progress bars (they are also off when not a terminal)."
    ),
) -> None:
    progress.QUIET[0] = quiet


# Help names each value in words; typer's own labels are Python annotations (<list[Path]>).
_WORDS = {"str": "text", "int": "integer", "float": "number", "Path": "path"}


def _type_in_words(param: Any, ctx: Any) -> str | None:
    if param.metavar is not None and not isinstance(param, TyperArgument):
        return str(param.metavar)
    desc = param.type_descriptor
    if (
        getattr(param, "is_flag", False)
        or getattr(param, "count", False)
        or desc.annotation is bool
    ):
        return None  # a switch takes no value
    if desc.is_choice:
        label = " | ".join(str(getattr(c, "value", c)) for c in desc.choices or ())
    else:
        annotation = desc.annotation
        inner = getattr(annotation, "__args__", None) if desc.is_list else None
        named = inner[0] if inner else annotation
        label = _WORDS.get(getattr(named, "__name__", ""), str(getattr(named, "__name__", "")))
        if desc.is_path:
            label = "path"
    repeats = desc.is_list or param.nargs != 1 or getattr(param, "multiple", False)
    if repeats:
        return f"{label}, repeatable" if isinstance(param, TyperOption) else f"{label}s"
    return label


def _argument_name(param: Any) -> str:
    return str(param.metavar or param.name).upper() + ("..." if param.nargs != 1 else "")


def _usage_name(param: Any) -> str:
    return _argument_name(param) if param.required else f"[{_argument_name(param)}]"


def _words_for(param: Any) -> None:
    if isinstance(param, TyperArgument | TyperOption):
        param.display_type_rich = MethodType(_type_in_words, param)  # type: ignore[method-assign]
    if isinstance(param, TyperArgument):
        param._rich_display_name = MethodType(_argument_name, param)  # type: ignore[method-assign]
        param._usage_display_name = MethodType(_usage_name, param)  # type: ignore[method-assign]


def _in_words(command: Any) -> None:
    """Give every parameter of the command tree a type label in words (help text only)."""
    for param in command.params:
        _words_for(param)
    make_help_option = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = make_help_option(ctx)
        if option is not None and not getattr(option, "_trialkit", False):
            _words_for(option)
            # A group's --help not given is None, which typer coerces through pydantic (a
            # quarter of a second on import); as the flag's False it is skipped.
            process = option.process_value
            option.process_value = lambda ctx, value: process(ctx, bool(value))
            option._trialkit = True
        return option

    command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        _in_words(sub)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code.

    User errors (:class:`TrialkitError`) print one line on stderr and give 2,
    never a traceback; usage errors are typer's own (also 2).
    """
    _register()
    command = typer.main.get_command(app)
    _in_words(command)
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
    finally:
        progress.QUIET[0] = False
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    # ``python -m trialkit.cli.main``: the commands register on the app of the imported
    # module, not on this __main__ copy's
    from trialkit.cli.main import run as run_imported

    run_imported()
