"""The viewer's side of a run: login, seed capability, capability URLs (issue 7)."""
