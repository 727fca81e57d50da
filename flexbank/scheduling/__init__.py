"""Scheduled jobs (daily allocation, offer expiry, compliance sweep): the service issue."""
