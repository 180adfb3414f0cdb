"""The web app: Flask factory, blueprints (webhooks, OAuth, admin, health) and the
SOAP/JSON parsing they need. It stands on the core (``syncapp``) and publishes jobs
without importing ``tasks``; nothing in the core imports it."""

from syncapp.web.app import create_app

__all__ = ["create_app"]
