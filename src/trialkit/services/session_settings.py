"""Defaults of the session settings, in a module light enough for ``trialkit --help``.

``trialkit serve --session-idle-minutes/--session-hours`` and the service share them.
"""

from __future__ import annotations

# A session ends after this long without a request (a workstation left unattended) ...
SESSION_IDLE_MINUTES = 30
# ... and this long after login whatever happens (a working day).
SESSION_LIFETIME_HOURS = 8
