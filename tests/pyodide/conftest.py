"""The files here run inside Pyodide (scripts for run.mjs) or set it up: pytest collects none of them.

The Pyodide tests themselves are in tests/test_pyodide.py.
"""

collect_ignore_glob = ["*.py"]
