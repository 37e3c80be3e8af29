"""Per-tensor statistics of freshly initialised networks from a real PyTorch, for tests/PiXGen.Tests/InitTests.cs.

Run with Debian's PyTorch (torch 1.13.1, torchvision 0.14.1):
    /usr/bin/python3 tools/init/make_init_stats.py
writes tests/PiXGen.Tests/Fixtures/init/init-statistics.json.

For every state_dict tensor of resnet50, mobilenet_v2, efficientnet_b0 (torchvision's constructors) and
PiX-ResNet-50 (the official code's xavier scheme, pix_torch.py), built with several seeds:
- constant tensors (identical in every build, no spread): their value;
- random ones: the distribution the constructor draws from ("normal" / "uniform") with its analytic standard
  deviation (from the constructor's formula and torch.nn.init's fans), and the empirical mean, standard
  deviation and kurtosis pooled over the seeds, plus the element count. The script checks that the empirical
  values agree with the analytic ones before writing.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pix_torch import PiXResNet  # noqa: E402

SEEDS = [1, 2, 3, 4]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "PiXGen.Tests", "Fixtures", "init",
                   "init-statistics.json")

MODELS = {
    "resnet50": ("torchvision-resnet", torchvision.models.resnet50),
    "mobilenet_v2": ("torchvision-mobilenet", torchvision.models.mobilenet_v2),
    "efficientnet_b0": ("torchvision-efficientnet", torchvision.models.efficientnet_b0),
    "pix_resnet50": ("xavier", PiXResNet),
}


def fans(w):
    return nn.init._calculate_fan_in_and_fan_out(w)


def analytic(scheme, module, name, tensor):
    """(distribution, std) the constructor draws `name` of `module` from, by the torchvision / official code."""
    conv = isinstance(module, nn.Conv2d)
    weight = module.weight
    fan_in, fan_out = fans(weight)
    default_bound = 1 / math.sqrt(fan_in)  # kaiming_uniform(a=sqrt 5) and the default bias: U(+-1/sqrt(fan_in))
    if conv and name == "weight":
        if scheme == "xavier":
            return "uniform", math.sqrt(2.0 / (fan_in + fan_out))
        return "normal", math.sqrt(2.0 / fan_out)
    if conv and name == "bias":
        return "uniform", default_bound / math.sqrt(3)  # only reached by schemes that keep the default bias
    if isinstance(module, nn.Linear) and name == "weight":
        if scheme == "torchvision-mobilenet":
            return "normal", 0.01
        if scheme == "torchvision-efficientnet":
            return "uniform", 1 / math.sqrt(weight.shape[0]) / math.sqrt(3)
        return "uniform", default_bound / math.sqrt(3)
    if isinstance(module, nn.Linear) and name == "bias":
        return "uniform", default_bound / math.sqrt(3)
    raise ValueError(f"{scheme}: no analytic distribution for {type(module).__name__}.{name} {tuple(tensor.shape)}")


def build(factory, seed):
    torch.manual_seed(seed)
    model = factory()
    modules = dict(model.named_modules())
    return {k: (v.detach().double().clone(), modules[k.rsplit(".", 1)[0]], k.rsplit(".", 1)[1])
            for k, v in model.state_dict().items()}


def statistics(name, scheme, factory):
    builds = [build(factory, s) for s in SEEDS]
    out = []
    for key, (first, module, pname) in builds[0].items():
        values = [b[key][0] for b in builds]
        entry = {"key": key, "shape": list(first.shape)}
        if all(torch.equal(v, first) for v in values) and (first.numel() == 1 or float(first.std()) == 0.0):
            entry["dist"] = "constant"
            entry["value"] = float(first.flatten()[0]) if first.numel() else 0.0
            out.append(entry)
            continue
        dist, std = analytic(scheme, module, pname, first)
        n = first.numel()
        means = [float(v.mean()) for v in values]
        m2 = [float(((v - v.mean()) ** 2).mean()) for v in values]
        m4 = [float(((v - v.mean()) ** 4).mean()) for v in values]
        pooled_mean = sum(means) / len(means)
        pooled_std = math.sqrt(sum(m2) / len(m2))
        kurtosis = sum(a / (b * b) for a, b in zip(m4, m2)) / len(m2)
        # the empirical statistics must agree with the constructor's formula
        se_mean = std / math.sqrt(n * len(SEEDS))
        se_std = std * math.sqrt(1 / (2 * n * len(SEEDS)))
        if abs(pooled_mean) > 5 * se_mean or abs(pooled_std - std) > 5 * se_std + 1e-3 * std:
            raise SystemExit(f"{name}.{key}: PyTorch gives mean {pooled_mean:.3e} std {pooled_std:.4e}; analytic {dist} std {std:.4e}")
        entry.update({"dist": dist, "expected_std": std, "n": n, "mean": pooled_mean, "std": pooled_std,
                      "kurtosis": kurtosis})
        out.append(entry)
    return out


def main():
    result = {
        "torch": torch.__version__, "torchvision": torchvision.__version__, "seeds": SEEDS,
        "made_by": "tools/init/make_init_stats.py",
        "models": {},
    }
    for name, (scheme, factory) in MODELS.items():
        result["models"][name] = {"scheme": scheme, "tensors": statistics(name, scheme, factory)}
        print(name, len(result["models"][name]["tensors"]), "tensors", flush=True)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(result, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.normpath(OUT), os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
