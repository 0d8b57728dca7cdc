"""NormalizeInput: turns any supported start input into the canonical request."""
