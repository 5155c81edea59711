"""The ``gameday`` command line: one module per command."""
