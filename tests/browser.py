"""A real headless Chromium for the tests that check what a user sees, driven by Selenium.

Debian's ``chromium`` and ``chromium-driver`` (``make test`` installs them): no browser is
downloaded. The browser gets no network beyond what the page asks of 127.0.0.1, a fresh
profile, and a 1400×1000 viewport, the first screen the tests measure against.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
VIEWPORT = (1400, 1000)
_ARGUMENTS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}")


class BrowserMissingError(RuntimeError):
    """Chromium or its driver is not installed where Debian puts them."""


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        raise BrowserMissingError(f"{', '.join(missing)} missing: apt-get install chromium "
                                  "chromium-driver (make test does it as root)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        for argument in (*_ARGUMENTS, f"--user-data-dir={profile}"):
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": VIEWPORT[0], "height": VIEWPORT[1], "deviceScaleFactor": 1,
                "mobile": False})
            driver.set_page_load_timeout(30)
            yield driver
        finally:
            driver.quit()
