"""Operations: each takes an explicit actor, enforces the transition, writes the audit event,
and flushes; the request (or command) commits once."""
