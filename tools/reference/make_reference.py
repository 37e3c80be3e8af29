#!/usr/bin/python3
"""Writes tests/PiXGen.Tests/Reference/pytorch-reference.json: PyTorch ground truth for PiXGen's fidelity tests.

Run from anywhere with the system interpreter (it has torch and torchvision):

    /usr/bin/python3 tools/reference/make_reference.py            # every model
    /usr/bin/python3 tools/reference/make_reference.py resnet18   # some models (the others are kept from the file)

See tools/reference/README.md for the fields, the deterministic initialisation and the input.
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision import models as tvm

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUTPUT = os.path.join(ROOT, "tests", "PiXGen.Tests", "Reference", "pytorch-reference.json")

BATCH = 2
INPUT_SHAPE = (3, 224, 224)
# Networks run at another input size (their own); the entry records it as "input_shape".
INPUT_SHAPES = {"inception_v3": (3, 299, 299)}
DIGITS = 9  # 9 significant digits: a float32 value survives the round trip exactly


# ---------------------------------------------------------------------------------------------------------------
# Deterministic initialisation and input (tools/reference/README.md)

def name_hash(name):
    """h(name): weighted sum of the code points (weight = 1-based position), modulo 1000, as a fraction."""
    total = sum((i + 1) * ord(ch) for i, ch in enumerate(name))
    return (total % 1000) / 1000.0


def init_values(key, shape):
    """The formula's float64 values for state_dict entry `key` of `shape`, flattened row-major."""
    numel = int(np.prod(shape)) if len(shape) > 0 else 1
    i = np.arange(numel, dtype=np.float64)
    b = np.sin(0.7 * i + 2 * math.pi * name_hash(key))
    if key.endswith("running_var"):
        return 1 + 0.5 * b * b
    if key.endswith("running_mean"):
        return 0.1 * b
    if len(shape) == 1:
        return 1 + 0.1 * b if key.endswith("weight") else 0.05 * b
    fan_in = numel / shape[0]
    return b * math.sqrt(3 / fan_in)


@torch.no_grad()
def initialise(model):
    for key, tensor in model.state_dict().items():
        if key.endswith("num_batches_tracked"):
            continue
        values = init_values(key, tuple(tensor.shape))
        tensor.copy_(torch.from_numpy(values).reshape(tensor.shape).to(tensor.dtype))


def make_input(dtype=torch.float32, shape=INPUT_SHAPE):
    n = BATCH * int(np.prod(shape))
    values = np.sin(0.013 * np.arange(n, dtype=np.float64))
    return torch.from_numpy(values).reshape(BATCH, *shape).to(dtype)


# ---------------------------------------------------------------------------------------------------------------
# PiX-ResNet-50 ("fast channel squeezing"), written from the operator's description in the paper
# (Kumar et al., "Pick-or-Mix", CVPR 2024). State_dict names follow the published checkpoint.

def pix(x, p, zeta, tau=0.5):
    """Pick-or-Mix, composite form (CPU). Input channels are read in contiguous groups of `zeta`; per sample and
    output channel the gate p (N, C/zeta, 1, 1) decides: p < tau picks the group's per-pixel maximum, otherwise the
    group's mean is taken; either way the result is scaled by p."""
    n, c, h, w = x.shape
    groups = x.view(n, c // zeta, zeta, h, w)
    return torch.where(p < tau, groups.amax(dim=2), groups.mean(dim=2)) * p


class PiXBottleneck(nn.Module):
    """Bottleneck whose first 1x1 conv + BN + ReLU is replaced by PiX (gate from conv_sqz on the pooled input);
    the 3x3 conv carries the stride. Widths: in -> in/zeta -> 4*in/zeta."""

    def __init__(self, in_channels, zeta, stride, project):
        super().__init__()
        assert in_channels % zeta == 0
        mid = in_channels // zeta
        self.zeta = zeta
        self.conv_sqz = nn.Conv2d(in_channels, mid, 1, bias=False)
        self.conv_ce = nn.Conv2d(mid, mid, 3, stride=stride, padding=1, bias=False)
        self.bn_ce = nn.BatchNorm2d(mid)
        self.conv_exp = nn.Conv2d(mid, 4 * mid, 1, bias=False)
        self.bn_exp = nn.BatchNorm2d(4 * mid)
        self.project = project
        if project:
            self.conv_proj = nn.Conv2d(in_channels, 4 * mid, 1, stride=stride, bias=False)
            self.bn_proj = nn.BatchNorm2d(4 * mid)

    def forward(self, x):
        p = torch.sigmoid(self.conv_sqz(x.mean(dim=(2, 3), keepdim=True)))
        y = pix(x, p, self.zeta)
        y = F.relu(self.bn_ce(self.conv_ce(y)))
        y = self.bn_exp(self.conv_exp(y))
        shortcut = self.bn_proj(self.conv_proj(x)) if self.project else x
        return F.relu(y + shortcut)


class PiXStage(nn.Module):
    def __init__(self, in_channels, first_zeta, stride, depth):
        super().__init__()
        blocks = [PiXBottleneck(in_channels, first_zeta, stride, project=True)]
        out = 4 * (in_channels // first_zeta)
        blocks += [PiXBottleneck(out, 4, 1, project=False) for _ in range(depth - 1)]
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


class PiXResNet(nn.Module):
    def __init__(self, depths=(3, 4, 6, 3), num_classes=1000, dropout=0.0):
        super().__init__()
        self.conv_stem = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn_stem = nn.BatchNorm2d(64)
        self.layer1 = PiXStage(64, 1, 1, depths[0])      # 64 -> 64 -> 256
        self.layer2 = PiXStage(256, 2, 2, depths[1])     # 256 -> 128 -> 512
        self.layer3 = PiXStage(512, 2, 2, depths[2])     # 512 -> 256 -> 1024
        self.layer4 = PiXStage(1024, 2, 2, depths[3])    # 1024 -> 512 -> 2048
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Conv2d(2048, num_classes, 1, bias=True)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn_stem(self.conv_stem(x))), 3, stride=2, padding=1)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.dropout(x.mean(dim=(2, 3), keepdim=True))
        return torch.flatten(self.classifier(x), 1)


# ---------------------------------------------------------------------------------------------------------------
# The models

def _tv(name, **kwargs):
    return lambda: getattr(tvm, name)(weights=None, **kwargs)


MODELS = {
    "resnet18": _tv("resnet18"),
    "resnet34": _tv("resnet34"),
    "resnet50": _tv("resnet50"),
    "resnet101": _tv("resnet101"),
    "resnet152": _tv("resnet152"),
    "resnext50_32x4d": _tv("resnext50_32x4d"),
    "wide_resnet50_2": _tv("wide_resnet50_2"),
    "resnext101_32x8d": _tv("resnext101_32x8d"),
    "resnext101_64x4d": _tv("resnext101_64x4d"),
    "wide_resnet101_2": _tv("wide_resnet101_2"),
    "vgg11": _tv("vgg11"),
    "vgg11_bn": _tv("vgg11_bn"),
    "vgg13": _tv("vgg13"),
    "vgg13_bn": _tv("vgg13_bn"),
    "vgg16": _tv("vgg16"),
    "vgg16_bn": _tv("vgg16_bn"),
    "vgg19": _tv("vgg19"),
    "vgg19_bn": _tv("vgg19_bn"),
    "mobilenet_v2": _tv("mobilenet_v2"),
    "densenet121": _tv("densenet121"),
    "densenet161": _tv("densenet161"),
    "densenet169": _tv("densenet169"),
    "densenet201": _tv("densenet201"),
    "squeezenet1_1": _tv("squeezenet1_1"),
    "shufflenet_v2_x1_0": _tv("shufflenet_v2_x1_0"),
    "efficientnet_b0": _tv("efficientnet_b0"),
    "mobilenet_v3_large": _tv("mobilenet_v3_large"),
    "googlenet": _tv("googlenet", aux_logits=False, transform_input=False, init_weights=False),
    "inception_v3": _tv("inception_v3", aux_logits=False, transform_input=False, init_weights=False),
    "regnet_y_400mf": _tv("regnet_y_400mf"),
    "squeezenet1_0": _tv("squeezenet1_0"),
    "alexnet": _tv("alexnet"),
    "shufflenet_v2_x0_5": _tv("shufflenet_v2_x0_5"),
    "shufflenet_v2_x1_5": _tv("shufflenet_v2_x1_5"),
    "shufflenet_v2_x2_0": _tv("shufflenet_v2_x2_0"),
    "mnasnet0_5": _tv("mnasnet0_5"),
    "mnasnet0_75": _tv("mnasnet0_75"),
    "mnasnet1_0": _tv("mnasnet1_0"),
    "mnasnet1_3": _tv("mnasnet1_3"),
    "mobilenet_v3_small": _tv("mobilenet_v3_small"),
    "efficientnet_b1": _tv("efficientnet_b1"),
    "efficientnet_b2": _tv("efficientnet_b2"),
    "efficientnet_b3": _tv("efficientnet_b3"),
    "efficientnet_b4": _tv("efficientnet_b4"),
    "efficientnet_b5": _tv("efficientnet_b5"),
    "efficientnet_b6": _tv("efficientnet_b6"),
    "efficientnet_b7": _tv("efficientnet_b7"),
    "regnet_x_400mf": _tv("regnet_x_400mf"),
    "regnet_x_800mf": _tv("regnet_x_800mf"),
    "regnet_x_1_6gf": _tv("regnet_x_1_6gf"),
    "regnet_x_3_2gf": _tv("regnet_x_3_2gf"),
    "regnet_x_8gf": _tv("regnet_x_8gf"),
    "regnet_x_16gf": _tv("regnet_x_16gf"),
    "regnet_x_32gf": _tv("regnet_x_32gf"),
    "regnet_y_800mf": _tv("regnet_y_800mf"),
    "regnet_y_1_6gf": _tv("regnet_y_1_6gf"),
    "regnet_y_3_2gf": _tv("regnet_y_3_2gf"),
    "regnet_y_8gf": _tv("regnet_y_8gf"),
    "regnet_y_16gf": _tv("regnet_y_16gf"),
    "regnet_y_32gf": _tv("regnet_y_32gf"),
    "efficientnet_v2_s": _tv("efficientnet_v2_s"),
    "efficientnet_v2_m": _tv("efficientnet_v2_m"),
    "efficientnet_v2_l": _tv("efficientnet_v2_l"),
    "regnet_y_128gf": _tv("regnet_y_128gf"),
    "convnext_tiny": _tv("convnext_tiny"),
    "convnext_small": _tv("convnext_small"),
    "convnext_base": _tv("convnext_base"),
    "convnext_large": _tv("convnext_large"),
    "pix_resnet50_cs": PiXResNet,
}

TORCHVISION = [n for n in MODELS if n != "pix_resnet50_cs"]

# Networks whose published parameter count includes an auxiliary head (its state_dict prefix) that MODELS leaves out.
PUBLISHED_WITH_AUX = {"inception_v3": "AuxLogits."}

NOTES = {
    "pix_resnet50_cs": "PiX-ResNet-50 (fast channel squeezing) written for this script from the paper's operator "
                       "description, state_dict names of the official checkpoint; composite PiX "
                       "(view/amax/mean/where, times p) on CPU, tau 0.5",
}
for _vgg in [m for m in MODELS if m.startswith("vgg")]:
    NOTES[_vgg] = ("activations grow large (no normalisation between layers) and the fully connected layers cancel "
                   "large terms: float32 implementations agree to about 1e-4 relative L2 here, not 1e-6 "
                   "(see float32_vs_float64_relative_l2)")


# ---------------------------------------------------------------------------------------------------------------
# Measurements

def macs_conv_linear(model, shape=INPUT_SHAPE):
    """Multiply-accumulates of every nn.Conv2d and nn.Linear call (bias excluded) at batch 1, 3x224x224, counted
    by forward hooks on those modules: Conv2d = output elements x in_channels/groups x kh x kw,
    Linear = output elements x in_features."""
    total = [0]

    def conv_hook(module, inputs, output):
        kh, kw = module.kernel_size
        total[0] += output.numel() * (module.in_channels // module.groups) * kh * kw

    def linear_hook(module, inputs, output):
        total[0] += output.numel() * module.in_features

    handles = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
    with torch.no_grad():
        model(torch.zeros(1, *shape, dtype=next(model.parameters()).dtype))
    for h in handles:
        h.remove()
    return total[0]


class Numbers(list):
    """Floats written with DIGITS significant digits (exponent form where shorter)."""

    def json(self):
        assert all(math.isfinite(v) for v in self), "non-finite logits"
        return "[" + ",".join(f"{v:.{DIGITS}g}" for v in self) + "]"


def reference_for(name):
    torch.manual_seed(0)  # the constructors draw random numbers; initialise() overwrites all of them
    model = MODELS[name]()
    model.eval()
    initialise(model)
    shape = INPUT_SHAPES.get(name, INPUT_SHAPE)
    entry = {
        "state_dict": [[k, list(v.shape)] for k, v in model.state_dict().items()],
        "parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "macs_conv_linear": macs_conv_linear(model, shape),
    }
    if shape != INPUT_SHAPE:
        entry["input_shape"] = list(shape)
    if name in TORCHVISION:  # self-check: torchvision's published parameter count for the same network
        published = tvm.get_model_weights(name).DEFAULT.meta["num_params"]
        if name in PUBLISHED_WITH_AUX:  # the published weights keep the auxiliary head that this build leaves out
            with_aux = getattr(tvm, name)(weights=None, aux_logits=True, init_weights=False)
            published -= sum(p.numel() for k, p in with_aux.named_parameters() if k.startswith(PUBLISHED_WITH_AUX[name]))
        if entry["parameters"] != published:
            sys.exit(f"{name}: {entry['parameters']} parameters, torchvision publishes {published}")
    with torch.no_grad():
        out32 = model(make_input(torch.float32, shape))
        entry["output_shape"] = list(out32.shape)
        entry["logits"] = Numbers(out32.double().flatten().tolist())
        model.double()  # the same float32 weights and input, widened: only the arithmetic differs
        out64 = model(make_input(torch.float32, shape).double())
        entry["reference_float64"] = Numbers(out64.flatten().tolist())
    diff = (out32.double() - out64).norm() / out64.norm()
    entry["float32_vs_float64_relative_l2"] = float(f"{diff.item():.3g}")
    if name in NOTES:
        entry["note"] = NOTES[name]
    return entry


def dump(document):
    """JSON with one line per field of a model (compact arrays, readable structure, small diffs)."""
    lines = ["{", f'  "source": {json.dumps(document["source"])},', '  "models": {']
    names = list(document["models"])
    for n, name in enumerate(names):
        fields = document["models"][name]
        lines.append(f"    {json.dumps(name)}: {{")
        keys = list(fields)
        for k, key in enumerate(keys):
            value = fields[key]
            value = value.json() if isinstance(value, Numbers) else json.dumps(value, separators=(",", ":"))
            lines.append(f"      {json.dumps(key)}: {value}{',' if k + 1 < len(keys) else ''}")
        lines.append("    }" + ("," if n + 1 < len(names) else ""))
    lines += ["  }", "}", ""]
    return "\n".join(lines)


def main(argv):
    selected = argv or list(MODELS)
    unknown = [n for n in selected if n not in MODELS]
    if unknown:
        sys.exit(f"unknown model(s): {', '.join(unknown)}; known: {', '.join(MODELS)}")
    models = {}
    if argv and os.path.exists(OUTPUT):
        with open(OUTPUT) as f:
            models = json.load(f)["models"]
        for fields in models.values():
            for key in ("logits", "reference_float64"):
                fields[key] = Numbers(fields[key])
    for name in selected:
        start = time.time()
        models[name] = reference_for(name)
        print(f"{name}: {len(models[name]['state_dict'])} keys, {models[name]['parameters']:,} parameters, "
              f"{models[name]['macs_conv_linear']:,} MACs, float32 vs float64 "
              f"{models[name]['float32_vs_float64_relative_l2']:.2e} ({time.time() - start:.0f} s)", flush=True)
    document = {
        "source": f"PyTorch {torch.__version__} / torchvision {torchvision.__version__} / NumPy {np.__version__}, "
                  f"tools/reference/make_reference.py; CPU, eval mode, batch {BATCH} at "
                  f"{'x'.join(map(str, INPUT_SHAPE))}; logits float32, reference_float64 the same weights and input "
                  f"in float64; initialisation and input by the formula in tools/reference/README.md",
        "models": {n: models[n] for n in MODELS if n in models},
    }
    with open(OUTPUT, "w") as f:
        f.write(dump(document))
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
