"""Operations: each takes an explicit actor, enforces the domain's rules and the transition,
writes the audit event and flushes; the request (or command) commits once.

Where policy is checked: in the views, always (`access.requires`, `access.plan_route`,
`access.control_route`, and the choices a view's form offers). An operation receives an actor
who is already authorised and refuses only what the domain forbids — dates, states, lengths,
a second acknowledgement — with `refusals.Refusal` (422) or `refusals.Conflict` (409)."""
