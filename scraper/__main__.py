"""``python -m scraper`` runs the ``blog-archive`` command line."""

from scraper.cli import main

main()
