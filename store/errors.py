"""The store's errors: each a LoadError with a Chinese message a planner or an administrator can act on."""

from loaders.errors import LoadError


class StoreError(LoadError):
    """A change to the shared store was refused (a name taken, a layer missing, bad input)."""


class StoreUnavailable(StoreError):
    """The database (or the workspace file) cannot be reached now; nothing was written, the action can be retried."""


class ConflictError(StoreError):
    """Someone else changed the same thing since it was read (a document's version moved on); reload and redo."""


class LoginError(StoreError):
    """A login was refused: unknown name or wrong password (said the same way), too many failures, an expired session."""
