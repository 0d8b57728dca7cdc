"""Helpers shared by the test tiers (import these; never import a conftest module)."""
