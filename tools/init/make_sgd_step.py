"""One SGD step in eval mode (BatchNorm frozen) from the deterministic reference weights, in a real PyTorch,
for tests/PiXGen.Tests/SgdStepTests.cs.

Run with Debian's PyTorch (torch 1.13.1, torchvision 0.14.1):
    /usr/bin/python3 tools/init/make_sgd_step.py
writes tests/PiXGen.Tests/Fixtures/init/sgd-step.json.

Weights: the deterministic initialisation of ../shared/reference/README.md (every state_dict entry by its name,
no random numbers), cast to float32. Input: (2, 3, 64, 64), element i = sin(0.013 i), float32. Targets: classes
1 and 7. Loss: mean cross-entropy of the logits. Step: torch.optim.SGD(lr=0.1), no momentum, no weight decay, so
the update of each parameter is -0.1 * its gradient. The computation runs in float64 (on the float32-rounded
weights and input) so the reference is exact to well below the float32 error of the implementation under test.
PiX-ResNet-50 uses pix_torch.py: the composite forward with the official kernel's backward.

Per parameter (named_parameters order) the file keeps the shape, the L2 norm of the update and its values at 16
deterministic flat indices (all of them for smaller tensors); the loss is kept too. The update is stored as
-lr * grad (the script checks that the optimiser applied exactly that): after - before would lose digits to
cancellation where the update is small against the weight.
"""
import json
import math
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pix_torch import PiXResNet  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "PiXGen.Tests", "Fixtures", "init",
                   "sgd-step.json")
INPUT_SHAPE = (2, 3, 64, 64)
TARGETS = [1, 7]
LR = 0.1
SAMPLES = 16

MODELS = {
    "resnet18": torchvision.models.resnet18,
    "resnet50": torchvision.models.resnet50,
    "mobilenet_v2": torchvision.models.mobilenet_v2,
    "pix_resnet50": PiXResNet,
}


def name_hash(name):
    return (sum((i + 1) * ord(ch) for i, ch in enumerate(name)) % 1000) / 1000.0


def deterministic(key, shape):
    numel = math.prod(shape)
    b = torch.sin(0.7 * torch.arange(numel, dtype=torch.float64) + 2 * math.pi * name_hash(key))
    if key.endswith("running_var"):
        v = 1 + 0.5 * b * b
    elif key.endswith("running_mean"):
        v = 0.1 * b
    elif len(shape) == 1:
        v = 1 + 0.1 * b if key.endswith("weight") else 0.05 * b
    else:
        v = b * math.sqrt(3 / (numel / shape[0]))
    return v.float().reshape(shape)


def sample_indices(numel):
    if numel <= SAMPLES:
        return list(range(numel))
    stride = numel // SAMPLES
    return [k * stride + (k * 7919) % stride for k in range(SAMPLES)]


def step(name, factory):
    model = factory()
    with torch.no_grad():
        for key, t in model.state_dict().items():
            if not key.endswith("num_batches_tracked"):
                t.copy_(deterministic(key, tuple(t.shape)))
    model = model.double().eval()
    n = math.prod(INPUT_SHAPE)
    x = torch.sin(0.013 * torch.arange(n, dtype=torch.float64)).float().double().reshape(INPUT_SHAPE)
    before = {k: p.detach().clone() for k, p in model.named_parameters()}
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), torch.tensor(TARGETS))
    loss.backward()
    opt.step()
    params = []
    for key, p in model.named_parameters():
        # the update SGD applied, -lr * grad (kept from the gradient: after - before would lose digits to cancellation)
        update = (-LR * p.grad.detach()).flatten()
        applied = (p.detach() - before[key]).flatten()
        if not torch.allclose(applied, update, rtol=1e-9, atol=1e-15 * float(before[key].abs().max()) + 1e-300):
            raise SystemExit(f"{name}.{key}: SGD applied an update other than -lr * grad")
        idx = sample_indices(update.numel())
        params.append({"key": key, "shape": list(p.shape), "norm": float(update.norm()),
                       "indices": idx, "values": [float(update[i]) for i in idx]})
    return {"loss": float(loss), "parameters": params}


def main():
    torch.manual_seed(0)
    result = {"torch": torch.__version__, "torchvision": torchvision.__version__, "made_by": "tools/init/make_sgd_step.py",
              "input_shape": list(INPUT_SHAPE), "targets": TARGETS, "lr": LR, "models": {}}
    for name, factory in MODELS.items():
        result["models"][name] = step(name, factory)
        print(name, "loss", result["models"][name]["loss"], len(result["models"][name]["parameters"]), "parameters", flush=True)
    with open(OUT, "w") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.normpath(OUT), os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
