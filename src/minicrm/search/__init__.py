"""Full-text search over contacts, interactions, follow-ups and deals."""
