"""A chart tab: a region rooted at its panel (``#tab-<name>``), which knows its chart page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal_pages.core.page import Region

if TYPE_CHECKING:
    from portal_pages.demo_emr.base import DemoPage


class ChartTab(Region):
    """``tab`` is the name in the tab bar; ``_root`` the panel it loads into."""

    tab = ""

    def __init__(self, chart: DemoPage) -> None:
        super().__init__(chart.browser)
        self.chart = chart
