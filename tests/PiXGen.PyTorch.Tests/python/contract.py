"""Python side of tests/PiXGen.PyTorch.Tests/ContractTests.cs.

    contract.py pix <dir>        PiX (the exported module's PiX layer and PiXFunction) against the C# PiXLayer: for each
                                 case in <dir>/pix.json, forward and gradients (x, weight, bias) in float64
    contract.py load <dir>       the exported fmnist_resnet loads wrapped.pt ("module._orig_mod." keys) and refuses bad.pt
    contract.py layers <dir>     the exported StochasticDepth against torchvision's, train and eval
    contract.py init <dir>       build(seed) against the C# initialisation with the same plan and seed, tensor by tensor
"""
import importlib
import json
import os
import sys

import torch


def rel(a, b):
    nb = b.norm().item()
    return (a - b).norm().item() / max(nb, 1e-300)


def pix(folder):
    sys.path.insert(0, folder)
    module = importlib.import_module("fmnist_pix_resnet")
    for case in json.load(open(os.path.join(folder, "pix.json"))):
        data = torch.load(os.path.join(folder, case["file"]))
        layer = module.PiX(case["in"], zeta=case["zeta"], tau=case["tau"], mode=case["mode"], context=case["context"], bias=case["bias"]).double()
        with torch.no_grad():
            layer.weight.copy_(data["weight"])
            if case["bias"]:
                layer.bias.copy_(data["bias"])
        x = data["x"].clone().requires_grad_(True)
        y = layer(x)
        (y * data["g"]).sum().backward()
        result = {"file": case["file"], "y": rel(y.detach(), data["y"]), "dx": rel(x.grad, data["dx"]), "dw": rel(layer.weight.grad, data["dw"])}
        if case["bias"]:
            result["db"] = rel(layer.bias.grad, data["db"])
        print(json.dumps(result), flush=True)


def load(folder):
    sys.path.insert(0, folder)
    module = importlib.import_module("fmnist_resnet")
    model = module.build()
    wrapped = torch.load(os.path.join(folder, "wrapped.pt"))
    model.load_state_dict(wrapped)
    same = all(torch.equal(model.state_dict()[k[len("module._orig_mod."):]], v) for k, v in wrapped.items())
    try:
        module.build().load_state_dict(torch.load(os.path.join(folder, "bad.pt")))
        refused = ""
    except ValueError as e:
        refused = str(e)
    print(json.dumps({"wrapped_loads": same, "refused": refused}), flush=True)


def init(folder):
    """build(seed) of each network in <dir>/init.json against the C# network initialised with the same plan and seed."""
    sys.path.insert(0, folder)
    for case in json.load(open(os.path.join(folder, "init.json"))):
        module = importlib.import_module(case["name"])
        model = module.build(seed=case["seed"])
        reference = torch.load(os.path.join(folder, case["name"] + ".pt"))
        own = model.state_dict()
        unequal = [k for k, v in reference.items() if not torch.equal(own[k], v)]
        print(json.dumps({"name": case["name"], "scheme": module.INIT_SCHEME, "tensors": len(reference), "unequal": unequal[:5], "unequal_count": len(unequal)}), flush=True)


def layers(folder):
    """The exported stochastic depth against torchvision.ops.stochastic_depth (the definition it follows), same RNG state."""
    sys.path.insert(0, folder)
    module = importlib.import_module("efficientnet_b0")
    from torchvision.ops import stochastic_depth as reference
    x = torch.randn(64, 8, 3, 3)
    for p in (0.0, 0.2, 0.5, 1.0):
        for mode in ("row", "batch"):
            torch.manual_seed(3)
            ours = module.StochasticDepth(p, mode).train()(x)
            torch.manual_seed(3)
            theirs = reference(x, p, mode, True)
            evaluated = module.StochasticDepth(p, mode).eval()(x)
            print(json.dumps({"p": p, "mode": mode, "equal": bool(torch.equal(ours, theirs)), "eval_identity": bool(torch.equal(evaluated, x))}), flush=True)


if __name__ == "__main__":
    {"pix": pix, "load": load, "init": init, "layers": layers}[sys.argv[1]](sys.argv[2])
