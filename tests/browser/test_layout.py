"""The layout on a phone: nothing wider than the screen, the menu collapsed."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PHONE, SMALL_PHONE

pytestmark = pytest.mark.browser

PAGES = ["/", "/auth/login", "/auth/register"]
NO_HORIZONTAL_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.mark.parametrize("viewport", [PHONE, SMALL_PHONE])
@pytest.mark.parametrize("path", PAGES)
def test_phone_pages_do_not_scroll_sideways(page, live_server, path):
    page.goto(path)
    assert page.evaluate(NO_HORIZONTAL_SCROLL), (
        f"{path} is {page.evaluate('document.scrollingElement.scrollWidth')}px wide"
    )
    expect(page.get_by_role("link", name="ログイン", exact=True)).to_be_hidden()
