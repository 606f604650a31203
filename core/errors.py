"""The project's one exception family: every error a planner may see carries a Chinese message.

Each package raises its own subclass (``LoadError``, ``PlanDataError``, ``ExportError`` …); the command
lines and the app catch ``ChaohuError`` alone and show ``message``; ``detail`` keeps the technical cause
for logs and never replaces the message.
"""

from __future__ import annotations


class ChaohuError(Exception):
    """Something a user can act on, said in Chinese (`message`), with an optional technical `detail`."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


def user_message(exc: BaseException) -> str:
    """What a user is shown for any exception: the Chinese message of ours, a generic Chinese line otherwise."""
    if isinstance(exc, ChaohuError):
        return exc.message
    return f"出现意外问题（{type(exc).__name__}），请把此信息告知管理员。"
