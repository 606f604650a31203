"""The error the file loaders and the store raise: a Chinese message a planner can act on."""

from core.errors import ChaohuError


class LoadError(ChaohuError):
    """A file could not be read or stored; `message` is Chinese and names the file, `detail` keeps the technical cause."""
