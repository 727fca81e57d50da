"""Adapters: the database (SQLAlchemy 2), its migrations, and the scenario bridge.

The pure core (models, compliance, matching, checker) knows nothing of these.
"""
