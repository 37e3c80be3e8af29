#!/usr/bin/python3
"""Writes PyTorch's PixelShuffle (factors 2 and 3) on fixed float32 inputs, with the state_dict keys, parameter counts
and output shapes of the modules, to tests/PiXGen.Generators.Tests/Reference/pixel_shuffle.json, so the generator
tests can check the generated [PixelShuffle] layer against PyTorch without Python.

usage: /usr/bin/python3 tools/reference/pixel_shuffle.py
"""
import torch
from layer_cases import case, write

torch.manual_seed(20)
cases = {}
for r, shape in [(2, (2, 8, 3, 4)), (3, (1, 18, 2, 3))]:
    x = torch.randn(*shape).float()
    cases[f"r{r}"] = case(torch.nn.PixelShuffle(r), x, with_input=True, upscale_factor=r)
write("pixel_shuffle.json", cases)
