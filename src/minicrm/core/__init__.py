"""The shared core every feature stands on: the clock, ids, errors, paths, the config file, the date language, recurrence, money, validation of user values and the records (models)."""
