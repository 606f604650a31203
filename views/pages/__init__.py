"""The app's pages, one module each with `render()`: a page imports shared parts from views/ and below, never
another page (the `pages-apart` contract in pyproject.toml and tests/test_architecture.py check it)."""
