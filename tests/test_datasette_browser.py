"""``blog-archive serve`` on the demo archive, looked at in a real headless Chromium at
1400×1000: what a new user sees first, searches, reads and charts.

The articles view and the charts page are saved as screenshots: into the test's scratch folder
by default, so a test run never changes the checkout, and into docs/screenshots/ for the README
by ``make screenshots`` (which sets ``BLOG_ARCHIVE_SCREENSHOTS``).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.browser import VIEWPORT

pytestmark = pytest.mark.xdist_group("browser")

SEED_TITLE = "How to roll your back? Exercises for back pain"


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``$BLOG_ARCHIVE_SCREENSHOTS`` if set, else a scratch folder."""
    folder = os.environ.get("BLOG_ARCHIVE_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def open_page(browser: WebDriver, url: str) -> None:
    browser.get(url)
    WebDriverWait(browser, 20).until(
        lambda driver: driver.execute_script("return document.readyState") == "complete")


def row_titles(browser: WebDriver) -> list[str]:
    return [cell.text for cell in browser.find_elements(
        By.CSS_SELECTOR, "table.rows-and-columns tbody td.col-title")]


def search_in_box(browser: WebDriver, base: str, query: str) -> list[str]:
    """Type ``query`` in the Articles view's search box and press Enter, as a user does."""
    open_page(browser, f"{base}/archive/article_list")
    box = browser.find_element(By.ID, "_search")
    box.clear()
    box.send_keys(query, Keys.ENTER)
    WebDriverWait(browser, 20).until(expected_conditions.url_contains("_search="))
    open_page(browser, browser.current_url)
    return row_titles(browser)


def bottom_of(browser: WebDriver, selector: str) -> float:
    """Where the first element matching ``selector`` ends, from the top of the page."""
    return browser.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return r.bottom + window.scrollY;", selector)


def test_articles_view_shows_the_search_box_and_first_rows_on_the_first_screen(
        browser: WebDriver, served_demo: str, screenshots: Path) -> None:
    for page in ("article_list", "articles"):
        open_page(browser, f"{served_demo}/archive/{page}")
        assert bottom_of(browser, "#_search") <= VIEWPORT[1], page
        assert bottom_of(browser, "table.rows-and-columns tbody tr") <= VIEWPORT[1], page
    # the reading view shows what a reader scans, and its title links to the article
    open_page(browser, f"{served_demo}/archive/article_list")
    headers = [th.text for th in browser.find_elements(
        By.CSS_SELECTOR, "table.rows-and-columns thead th") if th.is_displayed()]
    assert headers[1:9] == ["title", "published", "read_time", "author", "categories",
                            "status", "word_count", "excerpt"], headers
    link = browser.find_element(By.CSS_SELECTOR, "td.col-title a")
    assert urlsplit(link.get_attribute("href")).path.startswith("/archive/articles/")
    categories = browser.find_element(By.CSS_SELECTOR, "td.col-categories").text
    assert categories and "[" not in categories and '"' not in categories
    assert browser.execute_script(  # the date is one line: it does not wrap
        "const range = document.createRange();"
        "range.selectNodeContents(document.querySelector('td.col-published'));"
        "return range.getClientRects().length;") == 1
    assert browser.save_screenshot(str(screenshots / "articles.png"))


def test_searching_roll_back_in_the_box_lists_the_seed_article_first(
        browser: WebDriver, served_demo: str) -> None:
    assert search_in_box(browser, served_demo, "roll back")[0] == SEED_TITLE


def test_a_title_prefix_in_the_box_finds_the_seed(browser: WebDriver, served_demo: str) -> None:
    assert SEED_TITLE in search_in_box(browser, served_demo, "title:roll*")


def test_the_canned_query_finds_a_pace(browser: WebDriver, served_demo: str) -> None:
    open_page(browser, f"{served_demo}/archive/search_with_snippet?q={quote('pace 5:30')}")
    assert not browser.find_elements(By.CSS_SELECTOR, ".message-error")
    titles = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "td.col-title")]
    assert titles and titles[0] == "Tempo runs: comfortably hard"
    open_page(browser, f"{served_demo}/archive/search_with_snippet?q={quote('roller OR')}")
    error = browser.find_element(By.CSS_SELECTOR, ".message-error").text
    assert error.startswith("cannot parse search query 'roller OR': ") and "fts5" not in error


def test_the_article_page_reads_like_the_article(browser: WebDriver, served_demo: str) -> None:
    search_in_box(browser, served_demo, "roll back")
    browser.find_element(By.LINK_TEXT, SEED_TITLE).click()
    WebDriverWait(browser, 20).until(expected_conditions.url_contains("/archive/articles/"))
    article = browser.find_element(By.CSS_SELECTOR, "article.ba-article")
    assert article.find_element(By.TAG_NAME, "h1").text == SEED_TITLE
    paragraphs = [p.text for p in article.find_elements(By.CSS_SELECTOR, ":scope > p")]
    assert len(paragraphs) >= 5 and "min read" in paragraphs[0]
    teasers = article.find_elements(By.CSS_SELECTOR, "ul.ba-teasers a")
    assert len(teasers) >= 10
    archived = [a for a in teasers
                if urlsplit(a.get_attribute("href")).path.startswith("/archive/articles/")]
    assert archived, "teasers of archived posts link to their article pages"
    assert not browser.find_element(By.CSS_SELECTOR, "details.ba-all-columns table").is_displayed()


def test_the_charts_page_draws_svg_charts_with_no_network(browser: WebDriver, served_demo: str,
                                                         screenshots: Path) -> None:
    open_page(browser, f"{served_demo}/archive")
    browser.find_element(By.LINK_TEXT, "Charts").click()
    WebDriverWait(browser, 20).until(expected_conditions.url_contains("/-/charts"))
    for chart in ("articles-per-month", "field-coverage"):
        svg = browser.find_element(By.CSS_SELECTOR, f"#{chart} svg")
        assert svg.size["width"] > 300 and svg.size["height"] > 100, chart
        assert len(svg.find_elements(By.TAG_NAME, "rect")) >= 4, chart
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(url.startswith(served_demo) for url in resources), resources
    browser.find_element(By.ID, "articles-per-month").screenshot(
        str(screenshots / "chart-articles-per-month.png"))
