#!/usr/bin/python3
"""Writes the stochastic depth probability of every block of torchvision's EfficientNet-B0 (torchvision 0.14.1,
Debian's python3-torchvision) to tests/PiXGen.Tests/Reference/efficientnet_b0_stochastic_depth.json, keyed by the
state_dict-style module path, so tests can check the generated network's ramp without Python.

usage: /usr/bin/python3 tools/reference/stochastic_depth.py
"""
import json, os
import torchvision
from torchvision.ops import StochasticDepth

model = torchvision.models.efficientnet_b0()
probs = {name: m.p for name, m in model.named_modules() if isinstance(m, StochasticDepth)}
out = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "PiXGen.Tests", "Reference", "efficientnet_b0_stochastic_depth.json")
with open(out, "w") as f:
    json.dump({"torchvision": torchvision.__version__, "stochastic_depth_p": probs}, f, indent=1)
print(f"{len(probs)} modules -> {out}")
