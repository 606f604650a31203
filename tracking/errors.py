"""The errors of implementation tracking: Chinese messages naming what is wrong and where."""

from __future__ import annotations

from loaders.errors import LoadError


class ProgressError(LoadError):
    """A progress record, the plan year or a request about progress is not acceptable (Chinese message)."""


class WorkbookError(ProgressError):
    """A filled workbook cannot be imported; `problems` lists every bad row and column, and nothing was stored."""

    def __init__(self, message: str, problems: list[str] | None = None, detail: str = ""):
        super().__init__(message, detail)
        self.problems = list(problems or [])
