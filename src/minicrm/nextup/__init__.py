"""``minicrm next``: one ranked list of what to do now (follow-ups, people past their
cadence, deals that need a step, birthdays today)."""
