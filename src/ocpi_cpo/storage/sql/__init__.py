"""SQLAlchemy Core implementation of the storage Protocols (SQLite via aiosqlite, PostgreSQL via asyncpg)."""
