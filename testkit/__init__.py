"""Test and benchmark helpers that are not part of the shipped ``newsflow`` package.

Nothing in ``include/newsflow`` may import from here (tests/test_layers.py
checks it), and the Docker image does not contain it.
"""
