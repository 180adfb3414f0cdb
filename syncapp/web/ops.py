"""The operations pages of the web app: ``/status`` and ``/metrics``, and what they read."""

from __future__ import annotations

from flask import Flask

from syncapp.web import metrics, ops_services, status


def init_app(app: Flask, **collaborators) -> None:
    """Install the audit trail and metric store (``ops_services``) and register both pages."""
    ops_services.install(app, **collaborators)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(status.bp)
