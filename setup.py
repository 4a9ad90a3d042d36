"""Kept for ``scrapyd-deploy``, which builds its egg with ``setup.py bdist_egg``; all metadata
lives in pyproject.toml (including the ``scrapy`` entry point Scrapyd reads the settings from)."""

from setuptools import setup

setup()
