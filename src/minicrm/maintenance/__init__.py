"""db backup, db restore and db check (--repair): the domain functions and their SQL."""
