"""Engine settings: the one place that names the bundled default protocol.

Everything a trial declares lives in ``src/trialkit/protocols/<id>/``; the engine
knows only which bundled protocol a command uses when none is named.
"""

from __future__ import annotations

# The bundled protocol used when a command, page or service names none. The only
# mention of a shipped protocol's id outside ``protocols/`` (issue 15).
DEFAULT_PROTOCOL = "nct05894486"
