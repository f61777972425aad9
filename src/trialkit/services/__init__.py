"""Use cases: the one API that the command line, the web application and the REST API call."""
