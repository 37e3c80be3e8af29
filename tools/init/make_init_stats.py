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
"layer_samples" does the same for single layers (with their kind and shape) of vgg11_bn, densenet121,
regnet_x_400mf, googlenet, mobilenet_v3_small and resnet18, so every torchvision scheme is checked.
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


# Single layers of further torchvision networks, one set per remaining scheme: (name, scheme, factory, module paths).
# The tests build layers of the same kind and shape on their own and compare them with these statistics.
LAYER_SAMPLES = [
    ("vgg11_bn", "torchvision-vgg", torchvision.models.vgg11_bn, ["features.0", "features.1", "classifier.6"]),
    ("densenet121", "torchvision-densenet", torchvision.models.densenet121, ["features.conv0", "features.norm0", "classifier"]),
    ("regnet_x_400mf", "torchvision-regnet", torchvision.models.regnet_x_400mf,
     ["stem.0", "trunk_output.block2.block2-0.f.b.0", "fc"]),
    ("googlenet", "torchvision-googlenet", lambda: torchvision.models.googlenet(init_weights=True, aux_logits=False),
     ["conv1.conv", "conv1.bn", "fc"]),
    ("mobilenet_v3_small", "torchvision-mobilenet", torchvision.models.mobilenet_v3_small,
     ["features.1.block.1.fc1", "classifier.3"]),
    ("resnet18", "torchvision-resnet", torchvision.models.resnet18, ["conv1", "bn1", "fc"]),
]


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
        if scheme == "torchvision-googlenet":
            return "normal", 0.01  # truncated at +-2 = +-200 sigma
        if scheme == "torchvision-densenet":
            return "normal", math.sqrt(2.0 / fan_in)
        return "normal", math.sqrt(2.0 / fan_out)
    if conv and name == "bias":
        return "uniform", default_bound / math.sqrt(3)  # only reached by schemes that keep the default bias
    if isinstance(module, nn.Linear) and name == "weight":
        if scheme in ("torchvision-mobilenet", "torchvision-vgg", "torchvision-regnet", "torchvision-googlenet"):
            return "normal", 0.01
        if scheme == "torchvision-efficientnet":
            return "uniform", 1 / math.sqrt(weight.shape[0]) / math.sqrt(3)
        return "uniform", default_bound / math.sqrt(3)
    if isinstance(module, nn.Linear) and name == "bias":
        return "uniform", default_bound / math.sqrt(3)
    raise ValueError(f"{scheme}: no analytic distribution for {type(module).__name__}.{name} {tuple(tensor.shape)}")


def build(factory, seed, paths=None):
    torch.manual_seed(seed)
    model = factory()
    modules = dict(model.named_modules())
    return {k: (v.detach().double().clone(), modules[k.rsplit(".", 1)[0]], k.rsplit(".", 1)[1])
            for k, v in model.state_dict().items() if paths is None or k.rsplit(".", 1)[0] in paths}


def layer_spec(module):
    """What the C# test needs to build the same layer on its own."""
    if isinstance(module, nn.Conv2d):
        return {"kind": "Conv2d", "in": module.in_channels, "out": module.out_channels, "kernel": module.kernel_size[0],
                "groups": module.groups, "bias": module.bias is not None}
    if isinstance(module, nn.Linear):
        return {"kind": "Linear", "in": module.in_features, "out": module.out_features, "bias": module.bias is not None}
    if isinstance(module, nn.BatchNorm2d):
        return {"kind": "BatchNorm2d", "features": module.num_features}
    raise ValueError(f"no layer spec for {type(module).__name__}")


def layer_samples(name, scheme, factory, paths):
    stats = statistics(name, scheme, factory, paths)
    modules = dict(factory().named_modules())
    layers = []
    for path in paths:
        tensors = [dict(t, key=t["key"][len(path) + 1:]) for t in stats if t["key"].rsplit(".", 1)[0] == path]
        layers.append(dict(layer_spec(modules[path]), path=path, tensors=tensors))
    return layers


def statistics(name, scheme, factory, paths=None):
    builds = [build(factory, s, paths) for s in SEEDS]
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
    result["layer_samples"] = {}
    for name, scheme, factory, paths in LAYER_SAMPLES:
        result["layer_samples"][name] = {"scheme": scheme, "layers": layer_samples(name, scheme, factory, paths)}
        print(name, "layers", paths, flush=True)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(result, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.normpath(OUT), os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
