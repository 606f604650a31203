"""The server commands' one error: a Chinese message for the operator (exit 2 through core/cli.py)."""

from core.errors import ChaohuError


class ServerError(ChaohuError):
    """Starting, watching or stopping the processes failed in a way the operator can act on."""
