"""Pure helpers: no Flask, no database."""
