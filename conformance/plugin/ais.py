"""AIS3 (Inventory API v3) options and fixtures (issue 8)."""
