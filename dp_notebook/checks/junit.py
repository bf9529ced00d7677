"""Check results as JUnit XML, for CI systems."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

# characters XML 1.0 cannot hold at all, not even escaped (C0 controls but tab/newline/CR, surrogates, U+FFFE/F)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Text XML can carry: each character it cannot is written as ``\\xNN`` (a check message may hold data)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", str(value))


def junit_xml(suite, suite_name: str = "dp-notebook") -> str:
    """One ``<testsuite>`` per target, one ``<testcase>`` per check; failures carry the message."""
    root = ET.Element("testsuites", name=xml_text(suite_name))
    by_target: dict[str, list] = {}
    for r in suite.results:
        by_target.setdefault(r.target, []).append(r)
    for target, results in by_target.items():
        failures = sum(1 for r in results if not r.success and r.severity == "error")
        skipped = sum(1 for r in results if not r.success and r.severity != "error")
        ts = ET.SubElement(root, "testsuite", name=xml_text(target), tests=str(len(results)), failures=str(failures), errors="0", skipped=str(skipped))
        for r in results:
            tc = ET.SubElement(ts, "testcase", classname=xml_text(f"{target}.{r.kind}"), name=xml_text(r.name))
            if not r.success:
                tag = "failure" if r.severity == "error" else "skipped"
                el = ET.SubElement(tc, tag, message=xml_text(r.message or "failed"), type=xml_text(r.kind))
                el.text = xml_text(r.message)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
