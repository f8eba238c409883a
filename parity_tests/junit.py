"""JUnit XML for parity runs (corpus, fuzz, replay): one writer, CI systems read it.

    write_junit(path, "parity-fuzz", [TestCase("GET /api/jobs", "fuzz", None, 1.2), ...])

A `TestCase` with a `failure` text is a failed test; the suite's counts are derived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET


@dataclass(frozen=True)
class TestCase:
    classname: str
    name: str
    failure: str | None = None
    seconds: float = 0.0

    __test__ = False  # not a pytest class


def to_xml(suites: dict[str, Iterable[TestCase]]) -> bytes:
    """`<testsuites>` with one `<testsuite>` per entry of `suites`."""
    root = ET.Element("testsuites")
    for suite_name, cases in suites.items():
        cases = list(cases)
        suite = ET.SubElement(root, "testsuite", name=suite_name, tests=str(len(cases)),
                              failures=str(sum(1 for c in cases if c.failure)), errors="0",
                              time=f"{sum(c.seconds for c in cases):.3f}")
        for case in cases:
            element = ET.SubElement(suite, "testcase", classname=case.classname, name=case.name,
                                    time=f"{case.seconds:.3f}")
            if case.failure:
                failure = ET.SubElement(element, "failure", message=case.failure.splitlines()[0][:200])
                failure.text = case.failure
    root.set("tests", str(sum(int(s.get("tests", 0)) for s in root)))
    root.set("failures", str(sum(int(s.get("failures", 0)) for s in root)))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_junit(path: Path, suite_name: str, cases: Iterable[TestCase]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_xml({suite_name: cases}))
    return path
