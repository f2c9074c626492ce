"""The JSON changeset engine: one JSON file per Alembic revision, validated, applied, journaled."""
