"""Use cases. Each function enforces its rules, writes audit and outbox rows in the caller's
transaction, and raises `RuleViolation` with a Japanese message when a rule says no.
Callers (views, CLI, tests) commit or roll back."""
