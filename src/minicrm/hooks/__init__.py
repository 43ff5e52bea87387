"""Hooks: the user's executables in ``hooks/`` beside the config file, run on events."""
