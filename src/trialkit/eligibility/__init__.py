"""Three-valued evaluation of declarative criteria, with the evidence behind every verdict."""
