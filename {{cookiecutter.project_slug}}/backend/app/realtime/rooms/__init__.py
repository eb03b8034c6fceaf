"""Multi-user sessions: rooms whose updates reach every member, in one order, on every worker."""
