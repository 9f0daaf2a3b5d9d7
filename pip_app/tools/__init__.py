"""Tools that fill a database, run from the command line (pip_app/commands.py): demo data for
trying the app, and data at scale for bench/ and the query-budget tests. Not part of the domain:
they build rows with the app's own labels, snapshot and statement functions."""
