"""Interactions, follow-ups and the daily views (due, agenda, stale, birthdays): domain functions, queries and rendering."""
