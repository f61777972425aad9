"""Phase II statistics, efficacy and safety analysis, figures."""
