"""The HTML report: self-contained, every chart present, and it loads in a real headless browser without errors."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from classifier.cli import main

from .conftest import EXAMPLE_CSV

CHARTS = ("chart-dimensions", "chart-languages", "chart-drivers", "chart-risk", "chart-trend")


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    code = main(["report", str(EXAMPLE_CSV), "--customer-column", "customer", "--date-column", "date", "-o", str(out)])
    assert code == 0
    return out


def test_report_is_self_contained(report_html: Path) -> None:
    page = report_html.read_text(encoding="utf-8")
    for chart in CHARTS:
        assert re.search(rf"<section id='{chart}' class='chart'><svg", page), chart
    assert "Customers at risk" in page
    # nothing is fetched: no external scripts, stylesheets, images or fonts
    assert not re.search(r"""(src|href)=["']?https?:""", page)
    assert "<script" not in page


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_report_loads_in_a_headless_browser(report_html: Path, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium on this machine: `apt-get install chromium` (CI installs it) to run this test")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    url = report_html.as_uri()
    dom = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=False)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for chart in CHARTS:
        assert f'id="{chart}"' in dom.stdout, chart
    assert dom.stdout.count("<svg") >= len(CHARTS)
    console_errors = [line for line in dom.stderr.splitlines() if "CONSOLE" in line and "ERROR" in line.upper()]
    assert console_errors == []
    shot = tmp_path / "report.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", "--window-size=1000,2400", url],
                   capture_output=True, timeout=120, check=False)
    assert shot.exists() and shot.stat().st_size > 10_000
