"""实施跟踪: the plan's progress as the responsible units report it — the Excel workbooks out and in, the state of
every item, the monthly 通报 — for the command line (``python -m tracking``) and the app (views/pages/progress.py).

Reading files is loaders-level code (loaders/progress/), writing tables and files reports-level (reports/progress/);
this package only puts them together with the store (service.py) and parses the command line (__main__.py).
"""
