"""The store tests' database fixtures (``db_url``: SQLite and PostgreSQL) live in ``tests/conftest.py``: the API
tests run their store-backed routes on both too."""
