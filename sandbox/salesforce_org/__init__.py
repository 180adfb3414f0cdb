"""A stand-in Salesforce org: OAuth, REST API + SOQL, Apex REST, Outbound Messages.

See ``README.md`` for how to start it, its settings and its endpoints.
"""

from sandbox.salesforce_org.app import create_app

__all__ = ["create_app"]
