"""Likely duplicates and merging contacts: finding pairs, the merge plan, queries and rendering."""
