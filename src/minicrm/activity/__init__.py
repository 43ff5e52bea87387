"""Interactions, follow-ups and the daily views (due, agenda, stale, birthdays, the contact page): domain functions, queries and rendering."""
