"""Placeholder: the Salesforce OAuth web-server flow lands here (``bp``)."""

from flask import Blueprint

bp = Blueprint("oauth", __name__)
