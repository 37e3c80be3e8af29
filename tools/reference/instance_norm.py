#!/usr/bin/python3
"""Writes PyTorch's InstanceNorm2d (PyTorch's defaults: no affine parameters, no running statistics; eps 1e-5 and 0.1)
on fixed float32 inputs, with the state_dict keys, parameter counts and output shapes of the modules, to
tests/PiXGen.Generators.Tests/Reference/instance_norm.json, so the generator tests can check the generated
[InstanceNorm2d] layer against PyTorch without Python.

usage: /usr/bin/python3 tools/reference/instance_norm.py
"""
import torch
from layer_cases import case, write

torch.manual_seed(21)
cases = {}
for name, eps, shape in [("default", 1e-5, (2, 3, 4, 5)), ("eps_0.1", 0.1, (1, 4, 3, 2))]:
    # Channels with different offsets and scales, so that the per-channel statistics matter.
    x = (torch.randn(*shape) * torch.arange(1, shape[1] + 1).view(1, -1, 1, 1) + 3.0).float()
    m = torch.nn.InstanceNorm2d(shape[1], eps=eps)
    m.eval()
    y = m(x)
    m.train()
    assert torch.equal(y, m(x)), "InstanceNorm2d without running statistics is the same in training and eval"
    cases[name] = case(m, x, with_input=True, eps=eps)
write("instance_norm.json", cases)
