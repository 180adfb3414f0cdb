"""sf-emr-sync: keeps a clinic's EMR portal in step with Salesforce.

The web app (``create_app``) lives in ``syncapp.web.app``; the domain core shared with
the workers (settings, bundle model, errors, Salesforce client, token store)
lives beside it so that ``tasks`` can import it without Flask's request context.
"""
