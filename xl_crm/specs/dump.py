"""Writing specs back to YAML: compact (defaults left out), in the documented key order."""

from __future__ import annotations

from typing import Any

import yaml

from xl_crm.specs.model import Choice, Label, Spec


def spec_to_data(spec: Spec) -> dict[str, Any]:
    """``spec`` as plain data, leaving out keys that hold their default."""
    data = spec.model_dump(mode="json", exclude_defaults=True)
    data = {"spec_version": spec.spec_version, **data}
    data.pop("extends", None)
    return _compact(data)


def _compact(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"zh", "en"} and value["zh"] == value["en"]:
            return value["zh"]
        if set(value) == {"value", "zh", "en"} and value["value"] == value["zh"] == value["en"]:
            return value["value"]
        return {k: _compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    pass


def _flow_small(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    flow = len(data) <= 3 and all(isinstance(v, str | int | float | bool) for v in data.values())
    flow = flow and sum(len(str(v)) for v in data.values()) < 70
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flow)


def _list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = all(isinstance(v, str) for v in data) and sum(len(v) for v in data) < 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(dict, _flow_small)
_Dumper.add_representer(list, _list)


def dump_spec(spec: Spec) -> str:
    """The spec as YAML text that :func:`xl_crm.load_spec` reads back to an equal spec."""
    return dump_data(spec_to_data(spec))


def dump_data(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


__all__ = ["Choice", "Label", "dump_data", "dump_spec", "spec_to_data"]
