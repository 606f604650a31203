"""The one place where errors become what a user sees: a Chinese message, never a traceback."""

from __future__ import annotations

import contextlib
import logging

import streamlit as st

from core.errors import ChaohuError, user_message

log = logging.getLogger("chaohu")


@contextlib.contextmanager
def reported(stop: bool = True):
    """Run a page (or a part of it): an error of ours shows its message, anything else a generic Chinese line.

    With `stop`, the script run ends there (nothing half-drawn below the message).
    """
    try:
        yield
    except ChaohuError as exc:
        if exc.detail:
            log.warning("%s (%s)", exc.message, exc.detail)
        st.error(exc.message)
        if stop:
            st.stop()
    except Exception as exc:  # noqa: BLE001 — the last line of defence (st.rerun/st.stop are BaseExceptions, not caught)
        log.exception("unexpected error")
        st.error(user_message(exc))
        if stop:
            st.stop()
