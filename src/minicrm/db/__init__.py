"""The database: opening and migrating the file, the Store and its one write path with history, transactions, backups and raw dumps."""
