"""``python -m scraper.bundled_blog [--port N] [--synthetic N]``: serve the blog until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import threading

from scraper.bundled_blog import BlogServer, BundledBlog


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scraper.bundled_blog",
                                     description="Serve the bundled blog on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8000, help="port (0: any free one)")
    parser.add_argument("--synthetic", type=int, default=0, help="add N generated posts")
    args = parser.parse_args()
    with BlogServer(BundledBlog(synthetic=args.synthetic), port=args.port) as server:
        print(f"Serving the bundled blog at {server.base_url}/en/ (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
