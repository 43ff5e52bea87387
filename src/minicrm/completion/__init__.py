"""Shell completion that knows the data (issue 19.4)."""
