#!/usr/bin/python3
"""Writes PyTorch's ELU (alpha 0.5 and the default 1.0) and Mish on a fixed 2x3x4x5 float32 input, with the state_dict
keys, parameter counts and output shapes of the modules, to tests/PiXGen.Generators.Tests/Reference/activations.json,
so the generator tests can check the generated [ELU]/[Mish] layers against PyTorch without Python.

usage: /usr/bin/python3 tools/reference/activations.py
"""
import torch
from layer_cases import case, floats, write

torch.manual_seed(20)
x = (torch.randn(2, 3, 4, 5) * 3).float()  # wide enough to reach ELU's and Mish's saturated ranges

cases = {
    "elu_alpha_0.5": case(torch.nn.ELU(alpha=0.5), x),
    "elu": case(torch.nn.ELU(), x),
    "mish": case(torch.nn.Mish(), x),
    # the order a network [ELU(Alpha = 0.5)] then [Mish] applies them
    "elu_alpha_0.5_then_mish": case(torch.nn.Sequential(torch.nn.ELU(alpha=0.5), torch.nn.Mish()), x),
}
write("activations.json", cases, input_shape=list(x.shape), input=floats(x))
