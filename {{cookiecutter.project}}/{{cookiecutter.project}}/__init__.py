"""The service: settings, database, CRUD API, JSON changesets and seeds."""
