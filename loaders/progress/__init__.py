"""Implementation tracking (实施跟踪) at the loaders level: the trackable items derived from the plan data, the plan
year and dates, progress records and their current state, and reading the units' filled workbooks.

Kept light on purpose: the store's progress tables (``loaders/store/progress.py``) import from here, so nothing
in this ``__init__`` imports the store.
"""
