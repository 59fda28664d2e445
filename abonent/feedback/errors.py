class FeedbackError(Exception):
    """A refusal by a feedback service; the message is Russian and shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
