"""Deals and the pipeline: domain functions, queries and rendering."""
