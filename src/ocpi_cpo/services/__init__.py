"""Use cases, version-neutral; the only callers of storage."""
