"""Storage: repository Protocols (protocols.py) and their SQL implementation (sql/)."""
