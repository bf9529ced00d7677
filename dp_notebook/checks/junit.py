"""Check results as JUnit XML, for CI systems."""

from __future__ import annotations

from xml.etree import ElementTree as ET


def junit_xml(suite, suite_name: str = "dp-notebook") -> str:
    """One ``<testsuite>`` per target, one ``<testcase>`` per check; failures carry the message."""
    root = ET.Element("testsuites", name=suite_name)
    by_target: dict[str, list] = {}
    for r in suite.results:
        by_target.setdefault(r.target, []).append(r)
    for target, results in by_target.items():
        failures = sum(1 for r in results if not r.success and r.severity == "error")
        skipped = sum(1 for r in results if not r.success and r.severity != "error")
        ts = ET.SubElement(root, "testsuite", name=target, tests=str(len(results)), failures=str(failures), errors="0", skipped=str(skipped))
        for r in results:
            tc = ET.SubElement(ts, "testcase", classname=f"{target}.{r.kind}", name=r.name)
            if not r.success:
                tag = "failure" if r.severity == "error" else "skipped"
                el = ET.SubElement(tc, tag, message=r.message or "failed", type=r.kind)
                el.text = r.message
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
