"""Helpers the tests share, imported as ``from support.<module> import ...``.

Fixtures live in ``tests/conftest.py``; what a test imports (paths, pages,
servers, tiny lakes, publisher processes) lives here, so no test imports
``conftest``. ``tests/`` is on ``sys.path`` through pytest's ``pythonpath``.
"""
