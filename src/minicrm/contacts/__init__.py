"""Contacts and companies: their domain functions, references, the edit form and their read queries."""
