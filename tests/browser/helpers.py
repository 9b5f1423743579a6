"""Shared bits of the browser tests: viewports and how to find a form field by its label."""

import re

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}


def label(text: str) -> re.Pattern:
    """A field's label exactly, whether or not it carries the required mark (* / 必須)."""
    return re.compile(rf"^{re.escape(text)}(\s*(\*|必須))?$")


def page_width(page) -> int:
    """The scrollable width, measured once the page has loaded.

    After a click that navigates, the new DOM can be read before all its stylesheets apply:
    CI once measured an application page at 510 px with app.css applied but not yet pico.
    """
    page.wait_for_load_state("load")
    return page.evaluate("document.scrollingElement.scrollWidth")


def assert_fits_width(page) -> None:
    """No sideways scroll once the page has loaded; the failure names the page and its width."""
    width, viewport = page_width(page), page.viewport_size["width"]
    assert width <= viewport, f"{page.url} is {width}px wide at {viewport}px"
