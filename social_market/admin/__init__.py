"""Operator commands (``python -m social_market.admin …``): trusted, run on the server."""
