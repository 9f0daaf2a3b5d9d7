"""The dashboard ("my work") and the health check."""
