"""Reading Prometheus text exposition in tests: one sample's value by name and labels."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample: (name, labels) -> value (`pid` dropped: the multiprocess collector's own)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = frozenset((k, v) for k, v in sample.labels.items() if k != "pid")
            found[(sample.name, labels)] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    """The sample's value, 0.0 when absent (a counter never incremented is not exported)."""
    return samples(text).get((name, frozenset(labels.items())), 0.0)


def label_values(text: str, name: str, label: str) -> set[str]:
    return {dict(labels).get(label, "") for sample, labels in samples(text) if sample == name}
