"""The study report: one self-contained HTML document (and a PDF rendered from it)."""

from trialkit.report.build import build_report, render_pdf

__all__ = ["build_report", "render_pdf"]
