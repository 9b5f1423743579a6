"""Domain errors carrying the Japanese message a user sees."""


class RuleViolation(Exception):
    """A business rule refused the action; `str(error)` is shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(RuleViolation):
    """The object does not exist or is not the caller's (answered as 404)."""

    def __init__(self, message: str = "指定されたデータが見つかりません。"):
        super().__init__(message)
