"""`minicrm activity`: the feed of what happened, across all contacts, and the weekly review."""
