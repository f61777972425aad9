"""trialkit: a clinical trial protocol, executable."""

__version__ = "0.1.0"
