"""The server-drawn bar charts: whole-number count axes that end at or above the tallest
bar, and an empty chart that says so."""

import re

import pytest

from grader.web.charts import Bar, _ticks, bar_chart


@pytest.mark.parametrize(
    "peak, ticks",
    [
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),  # not 0, 2.5, 5, 7.5: students come whole
        (34, [0, 10, 20, 30, 40]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_ticks_are_whole_and_reach_the_peak(peak, ticks):
    assert _ticks(peak) == ticks


def test_the_tallest_bar_stays_under_the_top_tick():
    svg = bar_chart([Bar("a", 7), Bar("b", 3)], "t", chart_id="c")
    heights = [float(h) for h in re.findall(r'<rect class="bar"[^>]*height="([\d.]+)"', svg)]
    plot_h = 260 - 34 - 52
    assert heights == [
        pytest.approx(plot_h * 7 / 8, abs=0.06),
        pytest.approx(plot_h * 3 / 8, abs=0.06),
    ]
    assert "nothing yet" not in svg


def test_an_empty_chart_says_so():
    svg = bar_chart([Bar("a", 0), Bar("b", 0)], "t", chart_id="c")
    assert ">nothing yet</text>" in svg
