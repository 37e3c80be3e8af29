#!/usr/bin/python3
"""Writes PyTorch's ELU (alpha 0.5 and the default 1.0) and Mish on a fixed 2x3x4x5 float32 input, with the state_dict
keys, parameter counts and output shapes of the modules, to tests/PiXGen.Generators.Tests/Reference/activations.json,
so the generator tests can check the generated [ELU]/[Mish] layers against PyTorch without Python.

usage: /usr/bin/python3 tools/reference/activations.py
"""
import json, os
import torch

torch.manual_seed(20)
x = (torch.randn(2, 3, 4, 5) * 3).float()  # wide enough to reach ELU's and Mish's saturated ranges

def record(module):
    y = module(x)
    return {
        "state_dict_keys": list(module.state_dict().keys()),
        "parameters": sum(p.numel() for p in module.parameters()),
        "shape": list(y.shape),
        "output": [float(v) for v in y.flatten().tolist()],
    }

cases = {
    "elu_alpha_0.5": record(torch.nn.ELU(alpha=0.5)),
    "elu": record(torch.nn.ELU()),
    "mish": record(torch.nn.Mish()),
    # the order a network [ELU(Alpha = 0.5)] then [Mish] applies them
    "elu_alpha_0.5_then_mish": record(torch.nn.Sequential(torch.nn.ELU(alpha=0.5), torch.nn.Mish())),
}
out = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "PiXGen.Generators.Tests", "Reference", "activations.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "input_shape": list(x.shape), "input": [float(v) for v in x.flatten().tolist()],
               "cases": cases}, f, indent=0)
print(f"{len(cases)} cases -> {out}")
