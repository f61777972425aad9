"""The command line: thin typer commands over the service layer."""
