#!/usr/bin/python3
"""Writes PyTorch's PixelShuffle (factors 2 and 3) on fixed float32 inputs, with the state_dict keys, parameter counts
and output shapes of the modules, to tests/PiXGen.Generators.Tests/Reference/pixel_shuffle.json, so the generator
tests can check the generated [PixelShuffle] layer against PyTorch without Python.

usage: /usr/bin/python3 tools/reference/pixel_shuffle.py
"""
import json, os
import torch

torch.manual_seed(20)
cases = {}
for r, shape in [(2, (2, 8, 3, 4)), (3, (1, 18, 2, 3))]:
    x = torch.randn(*shape).float()
    m = torch.nn.PixelShuffle(r)
    y = m(x)
    cases[f"r{r}"] = {
        "upscale_factor": r,
        "input_shape": list(x.shape),
        "input": [float(v) for v in x.flatten().tolist()],
        "state_dict_keys": list(m.state_dict().keys()),
        "parameters": sum(p.numel() for p in m.parameters()),
        "shape": list(y.shape),
        "output": [float(v) for v in y.flatten().tolist()],
    }
out = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "PiXGen.Generators.Tests", "Reference", "pixel_shuffle.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=0)
print(f"{len(cases)} cases -> {out}")
