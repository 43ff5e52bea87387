"""Import and export: reading files, matching and merging incoming records, writing dumps, vCards, CSV and iCalendar."""
