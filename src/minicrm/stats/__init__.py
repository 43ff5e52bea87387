"""minicrm stats: every figure computed from recorded rows."""
