"""Administration: users, services and roles (no plan content)."""
