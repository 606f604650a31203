"""Position corrections (校正位置): the checks a new position must pass and making, adopting and reverting one
(`checks.py`), the corrections laid over the plan layers (`overlay.py`), sharing them as a GeoPackage (`share.py`) and
their commands (`cli.py`, under ``python -m loaders corrections``). The rows themselves live in the store
(`store/corrections.py`); this package imports the store, never the reverse.
"""
