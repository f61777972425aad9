"""``trialkit protocol``: show the protocol in force and print its screening CRF."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from trialkit.cli.main import app
from trialkit.cli.screen import Format
from trialkit.safe_io import check_output_file
from trialkit.settings import DEFAULT_PROTOCOL

protocol_app = typer.Typer(
    help="Inspect a protocol: criteria, parameters, value sets, CRF.", no_args_is_help=True
)
app.add_typer(protocol_app, name="protocol")

_PROTOCOL = typer.Option(
    DEFAULT_PROTOCOL,
    "--protocol",
    metavar="PROTOCOL",
    help="Bundled protocol id or a protocol folder.",
)


@protocol_app.command("show")
def show(
    protocol: str = _PROTOCOL,
    fmt: Format = typer.Option(Format.table, "--format", help="table or json"),
) -> None:
    """Criteria (verbatim), parameters with defaults and sources, value sets, known defects."""
    from trialkit.protocol import load_protocol

    p = load_protocol(protocol)
    if fmt == "json":
        typer.echo(
            json.dumps(
                {
                    "id": p.id,
                    "version": p.version,
                    "title": p.title,
                    "criteria": [{"id": c.id, "kind": c.kind, "text": c.text} for c in p.criteria],
                    "parameters": {
                        k: {
                            "default": v.default,
                            "type": v.type,
                            "unit": v.unit,
                            "source": v.source,
                            "description": v.description,
                        }
                        for k, v in p.parameters.items()
                    },
                    "value_sets": {k: v.description for k, v in p.value_sets.items()},
                    "known_defects": [
                        {"text": d.text, "reading": d.reading} for d in p.known_defects
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    console = Console()
    console.print(f"[bold]{p.id}[/] v{p.version}\n{p.title}\n")
    criteria = Table(
        "id", "kind", "text (verbatim from the registry record)", title="Criteria", expand=True
    )
    for c in p.criteria:
        criteria.add_row(c.id, c.kind, c.text)
    console.print(criteria)
    from trialkit.wording import shown, unit

    params = Table("parameter", "default", "source", "meaning", title="Parameters", expand=True)
    for name, param in p.parameters.items():
        params.add_row(
            name,
            f"{shown(param.default)} {unit(param.unit)}".rstrip(),
            param.source,
            param.description,
        )
    console.print(params)
    sets = Table("value set", "codes", "description", title="Value sets", expand=True)
    for name, vs in p.value_sets.items():
        codes = "; ".join(
            ", ".join(
                sorted(r.codes) + [f"{x}*" for x in r.prefixes] + [f"{a}–{b}" for a, b in r.ranges]
            )
            for r in vs.include
        )
        sets.add_row(name, codes, vs.description)
    console.print(sets)
    defects = Table(
        "record says", "trialkit reads", title="Known defects of the record", expand=True
    )
    for d in p.known_defects:
        defects.add_row(d.text, d.reading)
    console.print(defects)


@protocol_app.command("questionnaire")
def questionnaire(protocol: str = _PROTOCOL) -> None:
    """Print the screening CRF as a FHIR R4 Questionnaire (JSON)."""
    from trialkit.protocol import load_protocol

    typer.echo(json.dumps(load_protocol(protocol).questionnaire, indent=2, ensure_ascii=False))


@protocol_app.command("odm")
def odm(
    protocol: str = _PROTOCOL,
    out: Path | None = typer.Option(None, "--out", help="File to write (default: print it)."),
) -> None:
    """The screening CRF as CDISC ODM 1.3.2 XML (for REDCap, OpenClinica), from the same
    Questionnaire; schema-validated before it is written."""
    import tempfile

    from trialkit.cdisc.odm import write_odm
    from trialkit.cli.progress import spinner
    from trialkit.protocol import load_protocol
    from trialkit.services.cdisc import now_iso

    p = load_protocol(protocol)
    if out is not None:
        check_output_file(out, "--out")
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
            with spinner("Writing and schema-validating the ODM"):
                staged = write_odm(p, Path(tmp) / out.name, created=now_iso())
            staged.replace(out)
        typer.echo(f"ODM 1.3.2: {out}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        with spinner("Writing and schema-validating the ODM"):
            written = write_odm(p, Path(tmp) / "odm.xml", created=now_iso())
        typer.echo(written.read_text("utf-8"))


@protocol_app.command("check")
def check(
    path: str = typer.Argument(
        ...,
        metavar="PATH",
        help="A protocol folder (protocol.yaml + its Questionnaire) or a bundled id.",
    ),
) -> None:
    """Check that a protocol declares everything its criteria use (elements, value sets,
    parameters and their types, anchors, calculator inputs, the CRF's linkIds and answer
    types). Prints every problem with its file, key path and a fix; exit 0 if none, else 2."""
    from trialkit.protocol.check.folder import check_protocol
    from trialkit.protocol.loader import available_protocols, bundled_folder

    folder = Path(path)
    if not folder.is_dir() and path in available_protocols():
        folder = bundled_folder(path)
    problems = check_protocol(folder)
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {folder}", err=True)
        raise typer.Exit(2)
    typer.echo(f"{folder}: the protocol declares everything its criteria use.")
