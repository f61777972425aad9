"""Every node type has a rule in both paths (issue 15 point 8): the in-memory evaluator's
handler, the relational compiler's ``visit_<Node>``, and a parser key in protocol files; and
the protocols' trees together use each of the new conditional nodes."""

from __future__ import annotations

import typing

from trialkit.eligibility import evaluate
from trialkit.protocol import nodes as n
from trialkit.protocol import rules
from trialkit.protocol.loader import _walk, available_protocols, load_protocol
from trialkit.relational.compiler import Compiler

NODE_TYPES = set(typing.get_args(n.Node))


def test_every_node_type_has_an_evaluator_and_a_compiler_rule() -> None:
    assert len(NODE_TYPES) >= 20
    assert set(evaluate._HANDLERS) == NODE_TYPES
    missing = [t.__name__ for t in NODE_TYPES if not hasattr(Compiler, f"visit_{t.__name__}")]
    assert missing == []


def test_every_node_type_can_be_written_in_a_protocol_file() -> None:
    built: set[type] = set()
    for name in available_protocols():
        for c in load_protocol(name).criteria:
            built |= {type(x) for x in _walk(c.rule) if type(x) in NODE_TYPES}
    # the shipped protocols exercise the conditional nodes and the common leaves
    assert {n.If, n.Always, n.Lab, n.Sex, n.CrfAnswer, n.CrfHistory, n.Reconcile, n.Daily} <= built
    assert len(rules._PARSERS) >= len(NODE_TYPES)
