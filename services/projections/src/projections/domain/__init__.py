"""Pure projection logic: ticket rows, readable timeline, metric facts, cursors. No I/O imports."""
