"""Credential primitives shared by the sign-in pages and the account operations: password
hashing, the password policy and one-time codes. No blueprint, no database."""
