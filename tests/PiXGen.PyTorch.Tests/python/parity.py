"""Runs exported PiXGen networks (PyTorchExporter) on what the C# side wrote and compares (tests/PiXGen.PyTorch.Tests).

    parity.py eval  <dir>   for each case in <dir>/cases.json: load <name>.pt into <name>.build(), eval forward on
                            <name>.io.pt's "input", compare with its "output"; the state_dict against <name>.manifest.json
    parity.py train <dir>   one SGD step in float64 (BatchNorm in training mode, dropout and stochastic depth off):
                            loss, gradients, updated parameters and buffers against the C# step's
Prints one JSON object per case; the C# test asserts the tolerances.
"""
import importlib
import json
import os
import sys

import torch
import torch.nn.functional as F


def rel(a, b):
    a, b = a.detach().double(), b.detach().double()
    nb = b.norm().item()
    diff = (a - b).norm().item()
    return diff / nb if nb > 0 else diff


def load_case(folder, name):
    sys.path.insert(0, folder)
    module = importlib.import_module(name)
    model = module.build()
    manifest = json.load(open(os.path.join(folder, name + ".manifest.json")))
    own = {k: (list(v.shape), str(v.dtype).replace("torch.", "")) for k, v in model.state_dict().items()}
    listed = {e["key"]: (e["shape"], e["dtype"]) for e in manifest["state_dict"]}
    return module, model, own == listed


def no_dropout(model):
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout) or type(m).__name__ == "StochasticDepth":
            m.eval()


def run_eval(folder, case):
    name = case["name"]
    module, model, keys_ok = load_case(folder, name)
    model.load_state_dict(torch.load(os.path.join(folder, name + ".pt")))
    model.eval()
    io = torch.load(os.path.join(folder, name + ".io.pt"))
    with torch.no_grad():
        y = model(io["input"])
    return {"name": name, "keys_ok": keys_ok, "rel": rel(y, io["output"])}


def run_train(folder, case):
    name, lr = case["name"], case["lr"]
    module, model, keys_ok = load_case(folder, name)
    model = model.double()
    model.load_state_dict(torch.load(os.path.join(folder, name + ".pt")))
    model.train()
    no_dropout(model)
    io = torch.load(os.path.join(folder, name + ".io.pt"))
    loss = F.cross_entropy(model(io["input"]), io["target"])
    loss.backward()
    worst_grad, worst_param, worst_key = 0.0, 0.0, ""
    # A gradient that is zero in exact arithmetic (a bias whose shift the next BatchNorm removes) is rounding noise on
    # both sides: each tensor's difference is measured against its own norm, but at least 1e-6 of the largest one's.
    floor = 1e-6 * max(io["grad." + key].norm().item() for key, _ in model.named_parameters())
    with torch.no_grad():
        for key, p in model.named_parameters():
            ref = io["grad." + key]
            r = (p.grad - ref).norm().item() / max(ref.norm().item(), floor)
            if r > worst_grad:
                worst_grad, worst_key = r, key
            p -= lr * p.grad
        for key, t in list(model.named_parameters()) + list(model.named_buffers()):
            worst_param = max(worst_param, rel(t, io["after." + key]))
    return {"name": name, "keys_ok": keys_ok, "loss": loss.item(), "loss_rel": abs(loss.item() - io["loss"].item()) / abs(io["loss"].item()),
            "grad_rel": worst_grad, "worst_grad_key": worst_key, "param_rel": worst_param}


def main():
    torch.set_num_threads(1)
    mode, folder = sys.argv[1], sys.argv[2]
    run = {"eval": run_eval, "train": run_train}[mode]
    for case in json.load(open(os.path.join(folder, "cases.json"))):
        print(json.dumps(run(folder, case)), flush=True)


if __name__ == "__main__":
    main()
