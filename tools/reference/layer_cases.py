"""Shared by the layer-kind fixture scripts (activations.py, pixel_shuffle.py, instance_norm.py): one case of a PyTorch
module on an input, and the JSON file under tests/PiXGen.Generators.Tests/Reference that the generator tests read."""
import json, os
import torch


def floats(t):
    return [float(v) for v in t.flatten().tolist()]


def case(module, x, with_input=False, **extra):
    """The module's state_dict keys, parameter count, and output shape and values on x (and x itself if asked)."""
    y = module(x)
    record = dict(extra)
    if with_input:
        record.update({"input_shape": list(x.shape), "input": floats(x)})
    record.update({
        "state_dict_keys": list(module.state_dict().keys()),
        "parameters": sum(p.numel() for p in module.parameters()),
        "shape": list(y.shape),
        "output": floats(y),
    })
    return record


def write(file, cases, **top):
    """Writes {"torch": version, **top, "cases": cases} to the generator tests' Reference/<file>."""
    out = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "PiXGen.Generators.Tests", "Reference", file)
    with open(out, "w") as f:
        json.dump({"torch": torch.__version__, **top, "cases": cases}, f, indent=0)
    print(f"{len(cases)} cases -> {out}")
