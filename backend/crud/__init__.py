"""Database writes and lookups, as small functions with keyword-only arguments."""
