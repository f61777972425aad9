"""``trialkit protocol check``, one module a section; :func:`folder.check_protocol` is the entry."""
