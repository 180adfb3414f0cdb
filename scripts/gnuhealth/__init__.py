"""GNU Health 5.0 (trytond 7.0 + the SAO web client) installed and run for this project.

A real EMR nobody here wrote, for the ``gnuhealth`` adapter, its contract tests,
the demo and the bench. Everything lives under ``GNUHEALTH_DIR`` (default
``.data/gnuhealth``) in its own virtualenv, because trytond's pins would clash
with the product's. ``python -m scripts.gnuhealth up`` installs what is missing
(idempotent; ~2 min from nothing, ~1 s when done) and starts the server.
"""
