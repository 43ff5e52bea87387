"""File formats minicrm reads and writes: vCard, CSV (generic, Google, Outlook), iCalendar,
and its own JSON dump. Parsers yield :class:`minicrm.interchange.incoming.Incoming` records."""
