"""Protocol files → a validated :class:`Protocol`: criteria, parameters, value sets, CRF."""

from trialkit.protocol.loader import available_protocols, load_protocol
from trialkit.protocol.model import Criterion, Element, Parameter, Protocol

__all__ = ["Criterion", "Element", "Parameter", "Protocol", "available_protocols", "load_protocol"]
