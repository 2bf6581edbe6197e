"""The classroom-load bench's websocket client against a real ``streamlit run`` server (no browser).

Two Generate sessions move the temperature slider for a few seconds; every redraw must finish
with the next-token chart, the generated texts and no exception. No timing thresholds.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.classroom_load import (
    CHART_KEY,
    TEMPERATURE_KEY,
    classroom,
    redraw_problem,
    running_server,
)
from bench.streamlit_client import StreamlitClient

pytestmark = pytest.mark.e2e


def run_async(coroutine):
    """``asyncio.run`` in a thread of its own: the Playwright tests may leave an event loop running here."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="module")
def server():
    with running_server() as server:
        yield server


def test_a_redraw_brings_the_chart_and_the_texts(server):
    async def redraw():
        async with StreamlitClient(server.url, page="generate") as client:
            assert client.widget(TEMPERATURE_KEY).slider.options[0] == "0"
            client.set_select_slider(TEMPERATURE_KEY, "0.5")
            run = await client.rerun()
            return run, client.query_string

    run, query_string = run_async(redraw())
    assert redraw_problem(run) is None
    assert any(CHART_KEY in chart.plotly_chart.id for chart in run.of_type("plotly_chart"))
    assert "temperature=0.5" in query_string  # the slider is bound to the URL


def test_two_sessions_redraw_for_a_few_seconds(server):
    result = run_async(classroom(server, sessions=2, trainers=0, seconds=3, warmup=0, think=(0.1, 0.4)))
    assert not result.connect_problems
    assert result.redraws, "no redraw finished in the window"
    assert [r.problem for r in result.redraws if r.problem] == []
