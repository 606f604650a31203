"""The one error the file loaders raise: a Chinese message a planner can act on."""


class LoadError(Exception):
    """A file could not be read; `message` is Chinese and names the file, `detail` keeps the technical cause."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail
