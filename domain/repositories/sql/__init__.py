"""PostgreSQL repositories (SQLAlchemy 2.0 Core over psycopg2)."""
