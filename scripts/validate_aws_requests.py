"""Validate AWS requests against the service models botocore ships (the models the AWS CLI uses).

stdin: a JSON list of {"service", "operation", "input"}; stdout: a JSON list of problems (empty when all conform).
botocore's own ParamValidator checks required members, unknown members, types and minimums; this adds what it
leaves to the service: enum values, maximum string lengths and list sizes, and numeric maximums.
"""
import json
import sys

import botocore.session
from botocore.validate import ParamValidator


def extra_checks(value, shape, path, problems):
    if value is None or shape is None:
        return
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                extra_checks(value[name], member, f"{path}.{name}", problems)
    elif kind == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: {len(value)} items, at most {meta['max']}")
        for i, item in enumerate(value):
            extra_checks(item, shape.member, f"{path}[{i}]", problems)
    elif kind == "map" and isinstance(value, dict):
        for k, v in value.items():
            extra_checks(k, shape.key, f"{path}.<key {k}>", problems)
            extra_checks(v, shape.value, f"{path}.{k}", problems)
    elif kind == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} is not one of {shape.enum}")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: {len(value)} characters, at most {meta['max']}")
    elif kind in ("integer", "long", "double", "float") and isinstance(value, (int, float)):
        if "max" in meta and value > meta["max"]:
            problems.append(f"{path}: {value} is above the maximum {meta['max']}")


def main():
    session = botocore.session.get_session()
    models = {}
    problems = []
    for req in json.load(sys.stdin):
        service, operation, params = req["service"], req["operation"], req["input"]
        where = f"{service}.{operation}"
        model = models.get(service) or models.setdefault(service, session.get_service_model(service))
        try:
            op = model.operation_model(operation)
        except Exception:  # an operation the model does not know
            problems.append(f"{where}: no such operation in botocore {botocore.__version__}")
            continue
        report = ParamValidator().validate(params, op.input_shape)
        if report.has_errors():
            problems.append(f"{where}: {report.generate_report()}")
        found = []
        extra_checks(params, op.input_shape, where, found)
        problems.extend(found)
    json.dump(problems, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
