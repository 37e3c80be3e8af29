#!/usr/bin/python3
"""Compares two reference files model by model (keys and shapes in order, parameters, MACs, output shape, and the
relative L2 distance of the logits). Usage:

    /usr/bin/python3 tools/reference/compare_reference.py OTHER.json [THIS.json]

THIS defaults to tests/PiXGen.Tests/Reference/pytorch-reference.json. Only models present in both are compared.
"""
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(HERE, "..", "..", "tests", "PiXGen.Tests", "Reference", "pytorch-reference.json")


def relative_l2(actual, expected):
    if len(actual) != len(expected):
        return math.inf
    num = sum((a - b) ** 2 for a, b in zip(actual, expected))
    den = sum(b * b for b in expected)
    return math.sqrt(num / den)


def main(argv):
    if not argv:
        sys.exit(__doc__)
    other = json.load(open(argv[0]))["models"]
    this = json.load(open(argv[1] if len(argv) > 1 else DEFAULT))["models"]
    print(f"{'model':<20} {'keys':>5} {'state_dict':>10} {'params':>6} {'MACs':>6} {'logits rel. L2':>15}  other fields")
    for name in [n for n in this if n in other]:
        a, b = this[name], other[name]
        same = lambda k: "equal" if a[k] == b[k] else "DIFFER"
        extra = [f"{k}: {relative_l2(a['logits'], b[k]):.2e}" for k in b
                 if k.startswith("logits_") and isinstance(b[k], list)]
        print(f"{name:<20} {len(a['state_dict']):>5} {same('state_dict'):>10} {same('parameters'):>6} "
              f"{same('macs_conv_linear'):>6} {relative_l2(a['logits'], b['logits']):>15.2e}  {'; '.join(extra)}")


if __name__ == "__main__":
    main(sys.argv[1:])
