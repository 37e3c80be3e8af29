"""FMnistPiXResNet, exported by PiXGen from the compiler's dataflow graph (NetworkGraph): the same state_dict keys, shapes
and dtypes as the C# module, the same initialisation, PiX as a torch.autograd.Function. Needs torch >= 1.13 only.

    import torch, fmnist_pix_resnet
    # a FMnistPiXResNet, initialised as the C# constructor does
    model = fmnist_pix_resnet.build()
    # checked against STATE_DICT (the manifest); "module." (DDP) and "_orig_mod." (torch.compile) prefixes are removed
    model.load_state_dict(torch.load("checkpoint.pt"))
    y = model(torch.randn(8, 1, 28, 28))

Generated code: edit the C# declaration and export again instead (docs/scale-out.md).
"""
import math
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

NETWORK = "FMnistPiXResNet"

# ---- PiX (Pick-or-Mix), as src/PiXGen/PiX and docs/pix-operator.md define it ----

PICK_OR_MIX, AVG_ONLY, MAX_ONLY = 0, 1, 2
MEAN_CONTEXT, L1_CONTEXT = 0, 1


def _pix_blocks(channels, zeta):
    """(first output channel, groups, group size, first input channel) of each run of equal groups: the full
    groups of zeta channels, then the short last group when zeta does not divide the channels."""
    full, rest = divmod(channels, zeta)
    blocks = []
    if full:
        blocks.append((0, full, zeta, 0))
    if rest:
        blocks.append((full, 1, rest, full * zeta))
    return blocks


def _grouped(x, groups, size, first):
    n, _, h, w = x.shape
    return x[:, first:first + groups * size].reshape(n, groups, size, h, w)


class PiXFunction(torch.autograd.Function):
    """y[n, c] = p[n, c] * (max over group c where p < tau (Pick), mean over group c otherwise (Mix)).

    The backward is the official kernel's: Pick sends p*g to the first arg-max channel of the group, Mix sends
    p*g/size to every channel; dp = sum over H, W of (max or mean) * g; no gradient through the test p < tau."""

    @staticmethod
    def forward(ctx, x, p, zeta, tau, mode):
        ctx.save_for_backward(x, p)
        ctx.zeta, ctx.tau, ctx.mode = zeta, tau, mode
        parts = []
        for first_group, groups, size, first in _pix_blocks(x.shape[1], zeta):
            xg = _grouped(x, groups, size, first)
            pg = p[:, first_group:first_group + groups]
            if mode == AVG_ONLY:
                selected = xg.mean(2)
            elif mode == MAX_ONLY:
                selected = xg.amax(2)
            else:
                selected = torch.where(pg < tau, xg.amax(2), xg.mean(2))
            parts.append(selected * pg)
        return parts[0] if len(parts) == 1 else torch.cat(parts, 1)

    @staticmethod
    def backward(ctx, g):
        x, p = ctx.saved_tensors
        zeta, tau, mode = ctx.zeta, ctx.tau, ctx.mode
        need_x, need_p = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        n, _, h, w = x.shape
        dxs, dps = [], []
        for first_group, groups, size, first in _pix_blocks(x.shape[1], zeta):
            xg = _grouped(x, groups, size, first)
            pg = p[:, first_group:first_group + groups]
            gg = g[:, first_group:first_group + groups]
            maximum = argmax = mean = None
            if mode != AVG_ONLY:
                maximum, argmax = xg.max(2)
            if mode != MAX_ONLY:
                mean = xg.mean(2)
            pick = pg < tau if mode == PICK_OR_MIX else None
            if need_x:
                pgg = pg * gg
                dx_pick = None if argmax is None else torch.zeros_like(xg).scatter_(2, argmax.unsqueeze(2), pgg.unsqueeze(2))
                dx_mix = None if mean is None else (pgg / size).unsqueeze(2).expand_as(xg)
                if mode == AVG_ONLY:
                    dx = dx_mix.contiguous()
                elif mode == MAX_ONLY:
                    dx = dx_pick
                else:
                    dx = torch.where(pick.unsqueeze(2), dx_pick, dx_mix)
                dxs.append(dx.reshape(n, groups * size, h, w))
            if need_p:
                dp_pick = None if maximum is None else (maximum * gg).sum((2, 3), keepdim=True)
                dp_mix = None if mean is None else (mean * gg).sum((2, 3), keepdim=True)
                if mode == AVG_ONLY:
                    dp = dp_mix
                elif mode == MAX_ONLY:
                    dp = dp_pick
                else:
                    dp = torch.where(pick, dp_pick, dp_mix)
                dps.append(dp)
        dx = (dxs[0] if len(dxs) == 1 else torch.cat(dxs, 1)) if need_x else None
        dp = (dps[0] if len(dps) == 1 else torch.cat(dps, 1)).reshape(p.shape) if need_p else None
        return dx, dp, None, None, None


class PiX(nn.Module):
    """PiX replacing a 1x1 squeeze convolution: phi (context -> 1x1 projection -> sigmoid) gives p, then PiXFunction.
    State: weight (out, in, 1, 1), the shape of the convolution it replaces, and bias (out) when bias=True."""

    def __init__(self, in_channels, zeta, tau=0.5, mode=PICK_OR_MIX, context=MEAN_CONTEXT, bias=False):
        super().__init__()
        self.in_channels, self.zeta, self.tau, self.mode, self.context = in_channels, zeta, tau, mode, context
        self.out_channels = (in_channels + zeta - 1) // zeta
        self.weight = nn.Parameter(torch.empty(self.out_channels, in_channels, 1, 1))
        if bias:
            self.bias = nn.Parameter(torch.empty(self.out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        # PyTorch's Conv2d default, as the C# PiXLayer: U(+-1/sqrt(in)) for the weight and the bias
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_channels)
            nn.init.uniform_(self.bias, -bound, bound)

    def probabilities(self, x):
        """p = sigmoid(W z + b), (N, Co, 1, 1). With PICK_OR_MIX, the branch is the C# PiXLayer's (docs/pix-operator.md,
        "Where p is close to tau"): decided on the logit computed in float64, pick where it is below logit(tau); p is moved
        onto the decided side of tau, by one unit in the last place at most, with the gradient of the unmoved p."""
        dims = (2, 3)
        w = self.weight.view(self.out_channels, self.in_channels)
        z = x.abs().sum(dims) if self.context == L1_CONTEXT else x.mean(dims)
        p = torch.sigmoid(F.linear(z, w, self.bias)).view(x.shape[0], self.out_channels, 1, 1)
        if self.mode != PICK_OR_MIX:
            return p
        with torch.no_grad():
            x64 = x.detach().double()
            z64 = x64.abs().sum(dims) if self.context == L1_CONTEXT else x64.mean(dims)
            b64 = None if self.bias is None else self.bias.detach().double()
            tau = self.tau
            threshold = -math.inf if tau <= 0 else math.inf if tau >= 1 else math.log(tau / (1 - tau))
            pick = (F.linear(z64, w.detach().double(), b64) < threshold).view(p.shape)
            pd = p.detach()
            above = torch.full_like(pd, tau)                                   # tau rounded to p's dtype
            below = torch.nextafter(above, torch.full_like(above, -math.inf))  # the largest value below it
            moved = torch.where(pick, torch.where(pd < above, pd, below), torch.where(pd < above, above, pd)) - pd
        return p + moved

    def forward(self, x):
        return PiXFunction.apply(x, self.probabilities(x), self.zeta, self.tau, self.mode)

    def extra_repr(self):
        return f"{self.in_channels} -> {self.out_channels}, zeta={self.zeta}, tau={self.tau}, mode={self.mode}, context={self.context}"


# ---- layers torch.nn does not have ----

class LayerNorm2d(nn.Module):
    """LayerNorm over the channels at every position (ConvNeXt's), as src/PiXGen/Layers/LayerNorm2d.cs."""

    def __init__(self, channels, eps=1e-5, affine=True):
        super().__init__()
        self.channels, self.eps = channels, eps
        self.weight = nn.Parameter(torch.ones(channels)) if affine else None
        self.bias = nn.Parameter(torch.zeros(channels)) if affine else None

    def forward(self, x):
        return F.layer_norm(x.permute(0, 2, 3, 1), (self.channels,), self.weight, self.bias, self.eps).permute(0, 3, 1, 2)


class Permute(nn.Module):
    """The input's axes in the given order (torchvision's ops.misc.Permute), as src/PiXGen/Layers/Permute.cs."""

    def __init__(self, dims):
        super().__init__()
        self.dims = list(dims)

    def forward(self, x):
        return torch.permute(x, self.dims)


def stochastic_depth(x, p, mode, training):
    """torchvision's stochastic depth: identity in eval; in training each sample ("row") or the whole batch ("batch")
    is dropped with probability p and the rest scaled by 1/(1-p)."""
    if not training or p == 0.0:
        return x
    survival = 1.0 - p
    size = [x.shape[0] if mode == "row" else 1] + [1] * (x.dim() - 1)
    noise = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(survival)
    if survival > 0.0:
        noise.div_(survival)
    return x * noise


class StochasticDepth(nn.Module):
    def __init__(self, p, mode="row"):
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x):
        return stochastic_depth(x, self.p, self.mode, self.training)


def channel_shuffle(x, groups):
    n, c, h, w = x.shape
    return x.reshape(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class ChannelShuffle(nn.Module):
    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        return channel_shuffle(x, self.groups)


# ---- the checkpoint contract ----

WRAPPER_PREFIXES = ("module.", "_orig_mod.")


def strip_wrapper_prefixes(state_dict):
    """Removes the prefix DistributedDataParallel ("module.") or torch.compile ("_orig_mod.") puts on every key,
    repeatedly (DDP around a compiled model gives "module._orig_mod.")."""
    state = OrderedDict(state_dict)
    stripped = True
    while stripped and state:
        stripped = False
        for prefix in WRAPPER_PREFIXES:
            if all(key.startswith(prefix) for key in state):
                state = OrderedDict((key[len(prefix):], value) for key, value in state.items())
                stripped = True
    return state


def check_state_dict(state_dict, manifest=None):
    """Raises ValueError listing every key of state_dict that is missing from, unexpected in, or of another shape or
    dtype kind (floating vs integer) than the manifest (STATE_DICT by default)."""
    manifest = STATE_DICT if manifest is None else manifest
    problems = []
    listed = set()
    for key, shape, dtype in manifest:
        listed.add(key)
        if key not in state_dict:
            problems.append(f"missing {key} {list(shape)} {dtype}")
            continue
        value = state_dict[key]
        if tuple(value.shape) != tuple(shape):
            problems.append(f"{key}: shape {list(value.shape)}, manifest {list(shape)}")
        elif value.is_floating_point() != getattr(torch, dtype).is_floating_point:
            problems.append(f"{key}: dtype {value.dtype}, manifest {dtype}")
    problems += [f"unexpected {key}" for key in state_dict if key not in listed]
    if problems:
        raise ValueError(f"the state_dict does not fit {NETWORK} ({len(problems)} problems): " + "; ".join(problems))


class ExportedNetwork(nn.Module):
    """The network's base: load_state_dict removes wrapper prefixes and checks the manifest before loading."""

    def load_state_dict(self, state_dict, strict=True):
        state_dict = strip_wrapper_prefixes(state_dict)
        if strict:
            check_state_dict(state_dict)
        return super().load_state_dict(state_dict, strict)


# ---- initialisation rules (src/PiXGen/Init/Initializer.cs): drawn on the CPU in float32, then copied ----

def _fans(weight):
    receptive = 1
    for d in weight.shape[2:]:
        receptive *= d
    return weight.shape[1] * receptive, weight.shape[0] * receptive


def init_tensor(tensor, rule, weight, generator):
    """Sets tensor by rule; weight is the layer's weight (a bias's fan is its weight's)."""
    if rule == "zeros":
        tensor.zero_()
        return
    if rule == "ones":
        tensor.fill_(1.0)
        return
    fan_in, fan_out = _fans(weight)
    draw = torch.empty(tensor.shape, dtype=torch.float32)
    if rule == "default":
        draw.uniform_(-1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in), generator=generator)
    elif rule == "default_bias":
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        draw.uniform_(-bound, bound, generator=generator)
    elif rule == "kaiming_normal_fan_out":
        draw.normal_(0, math.sqrt(2.0 / fan_out), generator=generator)
    elif rule == "kaiming_normal_fan_in":
        draw.normal_(0, math.sqrt(2.0 / fan_in), generator=generator)
    elif rule == "xavier_uniform":
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        draw.uniform_(-bound, bound, generator=generator)
    elif rule == "normal001":
        draw.normal_(0, 0.01, generator=generator)
    elif rule == "truncated_normal001":
        draw.normal_(0, 0.01, generator=generator).clamp_(-2.0, 2.0)
    elif rule == "truncated_normal01":
        draw.normal_(0, 0.1, generator=generator).clamp_(-2.0, 2.0)
    elif rule == "truncated_normal002":
        draw.normal_(0, 0.02, generator=generator).clamp_(-2.0, 2.0)
    elif rule == "uniform_inverse_sqrt_out":
        draw.uniform_(-1 / math.sqrt(weight.shape[0]), 1 / math.sqrt(weight.shape[0]), generator=generator)
    else:
        raise ValueError(f"unknown initialisation rule {rule!r}")
    tensor.copy_(draw)


def initialise(model, table, seed=None):
    """Applies an initialisation table [(state_dict key, rule)] in order; with a seed every draw comes from a fresh
    generator seeded with it (the C# initializer does the same)."""
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    state = dict(model.named_parameters())
    state.update(model.named_buffers())
    with torch.no_grad():
        for key, rule in table:
            layer = key.rsplit(".", 1)[0]
            weight = state.get(layer + ".weight", state[key])
            init_tensor(state[key], rule, weight if weight.dim() >= 2 else state[key].view(-1, 1), generator)


class Bottleneck_PiX1(nn.Module):
    """Bottleneck_PiX1 (first used at 'layer1.0')."""

    def __init__(self):
        super().__init__()
        self.conv1 = PiX(32, zeta=2)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, padding=1, groups=2, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.relu2 = nn.ReLU()
        self.conv3 = nn.Conv2d(16, 64, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(64)
        self.downsample = nn.Sequential(
            nn.Conv2d(32, 64, kernel_size=1, bias=False),
            nn.BatchNorm2d(64),
        )
        self.relu = nn.ReLU()

    def forward(self, x):
        conv1 = self.conv1(x)
        conv2 = self.conv2(conv1)
        bn2 = self.bn2(conv2)
        relu2 = self.relu2(bn2)
        conv3 = self.conv3(relu2)
        bn3 = self.bn3(conv3)
        downsample = self.downsample(x)
        add = bn3 + downsample
        relu = self.relu(add)
        return relu


class Bottleneck_PiX12(nn.Module):
    """Bottleneck_PiX1 (first used at 'layer1.1')."""

    def __init__(self):
        super().__init__()
        self.conv1 = PiX(64, zeta=4)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, padding=1, groups=2, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.relu2 = nn.ReLU()
        self.conv3 = nn.Conv2d(16, 64, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()

    def forward(self, x):
        conv1 = self.conv1(x)
        conv2 = self.conv2(conv1)
        bn2 = self.bn2(conv2)
        relu2 = self.relu2(bn2)
        conv3 = self.conv3(relu2)
        bn3 = self.bn3(conv3)
        add = bn3 + x
        relu = self.relu(add)
        return relu


class Bottleneck_PiX13(nn.Module):
    """Bottleneck_PiX1 (first used at 'layer2.0')."""

    def __init__(self):
        super().__init__()
        self.conv1 = PiX(64, zeta=2)
        self.conv2 = nn.Conv2d(32, 32, kernel_size=3, stride=2, padding=1, groups=2, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.relu2 = nn.ReLU()
        self.conv3 = nn.Conv2d(32, 128, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(128)
        self.downsample = nn.Sequential(
            nn.Conv2d(64, 128, kernel_size=1, stride=2, bias=False),
            nn.BatchNorm2d(128),
        )
        self.relu = nn.ReLU()

    def forward(self, x):
        conv1 = self.conv1(x)
        conv2 = self.conv2(conv1)
        bn2 = self.bn2(conv2)
        relu2 = self.relu2(bn2)
        conv3 = self.conv3(relu2)
        bn3 = self.bn3(conv3)
        downsample = self.downsample(x)
        add = bn3 + downsample
        relu = self.relu(add)
        return relu


class Bottleneck_PiX14(nn.Module):
    """Bottleneck_PiX1 (first used at 'layer2.1')."""

    def __init__(self):
        super().__init__()
        self.conv1 = PiX(128, zeta=4)
        self.conv2 = nn.Conv2d(32, 32, kernel_size=3, padding=1, groups=2, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.relu2 = nn.ReLU()
        self.conv3 = nn.Conv2d(32, 128, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(128)
        self.relu = nn.ReLU()

    def forward(self, x):
        conv1 = self.conv1(x)
        conv2 = self.conv2(conv1)
        bn2 = self.bn2(conv2)
        relu2 = self.relu2(bn2)
        conv3 = self.conv3(relu2)
        bn3 = self.bn3(conv3)
        add = bn3 + x
        relu = self.relu(add)
        return relu


class Bottleneck_PiX15(nn.Module):
    """Bottleneck_PiX1 (first used at 'layer3.0')."""

    def __init__(self):
        super().__init__()
        self.conv1 = PiX(128, zeta=2)
        self.conv2 = nn.Conv2d(64, 64, kernel_size=3, stride=2, padding=1, groups=2, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.relu2 = nn.ReLU()
        self.conv3 = nn.Conv2d(64, 256, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(256)
        self.downsample = nn.Sequential(
            nn.Conv2d(128, 256, kernel_size=1, stride=2, bias=False),
            nn.BatchNorm2d(256),
        )
        self.relu = nn.ReLU()

    def forward(self, x):
        conv1 = self.conv1(x)
        conv2 = self.conv2(conv1)
        bn2 = self.bn2(conv2)
        relu2 = self.relu2(bn2)
        conv3 = self.conv3(relu2)
        bn3 = self.bn3(conv3)
        downsample = self.downsample(x)
        add = bn3 + downsample
        relu = self.relu(add)
        return relu


class Bottleneck_PiX16(nn.Module):
    """Bottleneck_PiX1 (first used at 'layer3.1')."""

    def __init__(self):
        super().__init__()
        self.conv1 = PiX(256, zeta=4)
        self.conv2 = nn.Conv2d(64, 64, kernel_size=3, padding=1, groups=2, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.relu2 = nn.ReLU()
        self.conv3 = nn.Conv2d(64, 256, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(256)
        self.relu = nn.ReLU()

    def forward(self, x):
        conv1 = self.conv1(x)
        conv2 = self.conv2(conv1)
        bn2 = self.bn2(conv2)
        relu2 = self.relu2(bn2)
        conv3 = self.conv3(relu2)
        bn3 = self.bn3(conv3)
        add = bn3 + x
        relu = self.relu(add)
        return relu


class FMnistPiXResNet(ExportedNetwork):
    """The network FMnistPiXResNet, 1×28×28 → 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.layer1 = nn.Sequential(
            Bottleneck_PiX1(),
            Bottleneck_PiX12(),
        )
        self.layer2 = nn.Sequential(
            Bottleneck_PiX13(),
            Bottleneck_PiX14(),
        )
        self.layer3 = nn.Sequential(
            Bottleneck_PiX15(),
            Bottleneck_PiX16(),
            Bottleneck_PiX16(),
        )
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten(1)
        self.fc = nn.Linear(256, 10)

    def forward(self, x):
        conv1 = self.conv1(x)
        bn1 = self.bn1(conv1)
        relu = self.relu(bn1)
        maxpool = self.maxpool(relu)
        layer1 = self.layer1(maxpool)
        layer2 = self.layer2(layer1)
        layer3 = self.layer3(layer2)
        avgpool = self.avgpool(layer3)
        flatten = self.flatten(avgpool)
        fc = self.fc(flatten)
        return fc


# ---- initialisation: the C# constructor's [Init] plan, per tensor (src/PiXGen/Init, docs/initialisation.md) ----

INIT_SCHEME = "torchvision-resnet"
INIT_SEED = None
# (state_dict key, rule) in the order the C# initializer draws them; the rules are defined in init_tensor().
INIT = [
    ("conv1.weight", "kaiming_normal_fan_out"),
    ("bn1.weight", "ones"),
    ("bn1.bias", "zeros"),
    ("bn1.running_mean", "zeros"),
    ("bn1.running_var", "ones"),
    ("bn1.num_batches_tracked", "zeros"),
    ("fc.weight", "default"),
    ("fc.bias", "default_bias"),
    ("layer1.0.conv1.weight", "kaiming_normal_fan_out"),
    ("layer1.0.conv2.weight", "kaiming_normal_fan_out"),
    ("layer1.0.bn2.weight", "ones"),
    ("layer1.0.bn2.bias", "zeros"),
    ("layer1.0.bn2.running_mean", "zeros"),
    ("layer1.0.bn2.running_var", "ones"),
    ("layer1.0.bn2.num_batches_tracked", "zeros"),
    ("layer1.0.conv3.weight", "kaiming_normal_fan_out"),
    ("layer1.0.bn3.weight", "ones"),
    ("layer1.0.bn3.bias", "zeros"),
    ("layer1.0.bn3.running_mean", "zeros"),
    ("layer1.0.bn3.running_var", "ones"),
    ("layer1.0.bn3.num_batches_tracked", "zeros"),
    ("layer1.0.downsample.0.weight", "kaiming_normal_fan_out"),
    ("layer1.0.downsample.1.weight", "ones"),
    ("layer1.0.downsample.1.bias", "zeros"),
    ("layer1.0.downsample.1.running_mean", "zeros"),
    ("layer1.0.downsample.1.running_var", "ones"),
    ("layer1.0.downsample.1.num_batches_tracked", "zeros"),
    ("layer1.1.conv1.weight", "kaiming_normal_fan_out"),
    ("layer1.1.conv2.weight", "kaiming_normal_fan_out"),
    ("layer1.1.bn2.weight", "ones"),
    ("layer1.1.bn2.bias", "zeros"),
    ("layer1.1.bn2.running_mean", "zeros"),
    ("layer1.1.bn2.running_var", "ones"),
    ("layer1.1.bn2.num_batches_tracked", "zeros"),
    ("layer1.1.conv3.weight", "kaiming_normal_fan_out"),
    ("layer1.1.bn3.weight", "ones"),
    ("layer1.1.bn3.bias", "zeros"),
    ("layer1.1.bn3.running_mean", "zeros"),
    ("layer1.1.bn3.running_var", "ones"),
    ("layer1.1.bn3.num_batches_tracked", "zeros"),
    ("layer2.0.conv1.weight", "kaiming_normal_fan_out"),
    ("layer2.0.conv2.weight", "kaiming_normal_fan_out"),
    ("layer2.0.bn2.weight", "ones"),
    ("layer2.0.bn2.bias", "zeros"),
    ("layer2.0.bn2.running_mean", "zeros"),
    ("layer2.0.bn2.running_var", "ones"),
    ("layer2.0.bn2.num_batches_tracked", "zeros"),
    ("layer2.0.conv3.weight", "kaiming_normal_fan_out"),
    ("layer2.0.bn3.weight", "ones"),
    ("layer2.0.bn3.bias", "zeros"),
    ("layer2.0.bn3.running_mean", "zeros"),
    ("layer2.0.bn3.running_var", "ones"),
    ("layer2.0.bn3.num_batches_tracked", "zeros"),
    ("layer2.0.downsample.0.weight", "kaiming_normal_fan_out"),
    ("layer2.0.downsample.1.weight", "ones"),
    ("layer2.0.downsample.1.bias", "zeros"),
    ("layer2.0.downsample.1.running_mean", "zeros"),
    ("layer2.0.downsample.1.running_var", "ones"),
    ("layer2.0.downsample.1.num_batches_tracked", "zeros"),
    ("layer2.1.conv1.weight", "kaiming_normal_fan_out"),
    ("layer2.1.conv2.weight", "kaiming_normal_fan_out"),
    ("layer2.1.bn2.weight", "ones"),
    ("layer2.1.bn2.bias", "zeros"),
    ("layer2.1.bn2.running_mean", "zeros"),
    ("layer2.1.bn2.running_var", "ones"),
    ("layer2.1.bn2.num_batches_tracked", "zeros"),
    ("layer2.1.conv3.weight", "kaiming_normal_fan_out"),
    ("layer2.1.bn3.weight", "ones"),
    ("layer2.1.bn3.bias", "zeros"),
    ("layer2.1.bn3.running_mean", "zeros"),
    ("layer2.1.bn3.running_var", "ones"),
    ("layer2.1.bn3.num_batches_tracked", "zeros"),
    ("layer3.0.conv1.weight", "kaiming_normal_fan_out"),
    ("layer3.0.conv2.weight", "kaiming_normal_fan_out"),
    ("layer3.0.bn2.weight", "ones"),
    ("layer3.0.bn2.bias", "zeros"),
    ("layer3.0.bn2.running_mean", "zeros"),
    ("layer3.0.bn2.running_var", "ones"),
    ("layer3.0.bn2.num_batches_tracked", "zeros"),
    ("layer3.0.conv3.weight", "kaiming_normal_fan_out"),
    ("layer3.0.bn3.weight", "ones"),
    ("layer3.0.bn3.bias", "zeros"),
    ("layer3.0.bn3.running_mean", "zeros"),
    ("layer3.0.bn3.running_var", "ones"),
    ("layer3.0.bn3.num_batches_tracked", "zeros"),
    ("layer3.0.downsample.0.weight", "kaiming_normal_fan_out"),
    ("layer3.0.downsample.1.weight", "ones"),
    ("layer3.0.downsample.1.bias", "zeros"),
    ("layer3.0.downsample.1.running_mean", "zeros"),
    ("layer3.0.downsample.1.running_var", "ones"),
    ("layer3.0.downsample.1.num_batches_tracked", "zeros"),
    ("layer3.1.conv1.weight", "kaiming_normal_fan_out"),
    ("layer3.1.conv2.weight", "kaiming_normal_fan_out"),
    ("layer3.1.bn2.weight", "ones"),
    ("layer3.1.bn2.bias", "zeros"),
    ("layer3.1.bn2.running_mean", "zeros"),
    ("layer3.1.bn2.running_var", "ones"),
    ("layer3.1.bn2.num_batches_tracked", "zeros"),
    ("layer3.1.conv3.weight", "kaiming_normal_fan_out"),
    ("layer3.1.bn3.weight", "ones"),
    ("layer3.1.bn3.bias", "zeros"),
    ("layer3.1.bn3.running_mean", "zeros"),
    ("layer3.1.bn3.running_var", "ones"),
    ("layer3.1.bn3.num_batches_tracked", "zeros"),
    ("layer3.2.conv1.weight", "kaiming_normal_fan_out"),
    ("layer3.2.conv2.weight", "kaiming_normal_fan_out"),
    ("layer3.2.bn2.weight", "ones"),
    ("layer3.2.bn2.bias", "zeros"),
    ("layer3.2.bn2.running_mean", "zeros"),
    ("layer3.2.bn2.running_var", "ones"),
    ("layer3.2.bn2.num_batches_tracked", "zeros"),
    ("layer3.2.conv3.weight", "kaiming_normal_fan_out"),
    ("layer3.2.bn3.weight", "ones"),
    ("layer3.2.bn3.bias", "zeros"),
    ("layer3.2.bn3.running_mean", "zeros"),
    ("layer3.2.bn3.running_var", "ones"),
    ("layer3.2.bn3.num_batches_tracked", "zeros"),
]


def build(seed=None):
    """FMnistPiXResNet, initialised as the C# constructor initialises it (INIT_SCHEME, INIT; seed: INIT_SEED unless given)."""
    model = FMnistPiXResNet()
    initialise(model, INIT, INIT_SEED if seed is None else seed)
    return model


# ---- manifest: the state_dict (key, shape, dtype) of the C# network; fmnist_pix_resnet.manifest.json holds the same ----

INPUT_SHAPE = (1, 28, 28)
OUTPUT_SHAPE = (10,)
STATE_DICT = [
    ("conv1.weight", (32, 1, 3, 3), "float32"),
    ("bn1.weight", (32,), "float32"),
    ("bn1.bias", (32,), "float32"),
    ("layer1.0.conv1.weight", (16, 32, 1, 1), "float32"),
    ("layer1.0.conv2.weight", (16, 8, 3, 3), "float32"),
    ("layer1.0.bn2.weight", (16,), "float32"),
    ("layer1.0.bn2.bias", (16,), "float32"),
    ("layer1.0.conv3.weight", (64, 16, 1, 1), "float32"),
    ("layer1.0.bn3.weight", (64,), "float32"),
    ("layer1.0.bn3.bias", (64,), "float32"),
    ("layer1.0.downsample.0.weight", (64, 32, 1, 1), "float32"),
    ("layer1.0.downsample.1.weight", (64,), "float32"),
    ("layer1.0.downsample.1.bias", (64,), "float32"),
    ("layer1.1.conv1.weight", (16, 64, 1, 1), "float32"),
    ("layer1.1.conv2.weight", (16, 8, 3, 3), "float32"),
    ("layer1.1.bn2.weight", (16,), "float32"),
    ("layer1.1.bn2.bias", (16,), "float32"),
    ("layer1.1.conv3.weight", (64, 16, 1, 1), "float32"),
    ("layer1.1.bn3.weight", (64,), "float32"),
    ("layer1.1.bn3.bias", (64,), "float32"),
    ("layer2.0.conv1.weight", (32, 64, 1, 1), "float32"),
    ("layer2.0.conv2.weight", (32, 16, 3, 3), "float32"),
    ("layer2.0.bn2.weight", (32,), "float32"),
    ("layer2.0.bn2.bias", (32,), "float32"),
    ("layer2.0.conv3.weight", (128, 32, 1, 1), "float32"),
    ("layer2.0.bn3.weight", (128,), "float32"),
    ("layer2.0.bn3.bias", (128,), "float32"),
    ("layer2.0.downsample.0.weight", (128, 64, 1, 1), "float32"),
    ("layer2.0.downsample.1.weight", (128,), "float32"),
    ("layer2.0.downsample.1.bias", (128,), "float32"),
    ("layer2.1.conv1.weight", (32, 128, 1, 1), "float32"),
    ("layer2.1.conv2.weight", (32, 16, 3, 3), "float32"),
    ("layer2.1.bn2.weight", (32,), "float32"),
    ("layer2.1.bn2.bias", (32,), "float32"),
    ("layer2.1.conv3.weight", (128, 32, 1, 1), "float32"),
    ("layer2.1.bn3.weight", (128,), "float32"),
    ("layer2.1.bn3.bias", (128,), "float32"),
    ("layer3.0.conv1.weight", (64, 128, 1, 1), "float32"),
    ("layer3.0.conv2.weight", (64, 32, 3, 3), "float32"),
    ("layer3.0.bn2.weight", (64,), "float32"),
    ("layer3.0.bn2.bias", (64,), "float32"),
    ("layer3.0.conv3.weight", (256, 64, 1, 1), "float32"),
    ("layer3.0.bn3.weight", (256,), "float32"),
    ("layer3.0.bn3.bias", (256,), "float32"),
    ("layer3.0.downsample.0.weight", (256, 128, 1, 1), "float32"),
    ("layer3.0.downsample.1.weight", (256,), "float32"),
    ("layer3.0.downsample.1.bias", (256,), "float32"),
    ("layer3.1.conv1.weight", (64, 256, 1, 1), "float32"),
    ("layer3.1.conv2.weight", (64, 32, 3, 3), "float32"),
    ("layer3.1.bn2.weight", (64,), "float32"),
    ("layer3.1.bn2.bias", (64,), "float32"),
    ("layer3.1.conv3.weight", (256, 64, 1, 1), "float32"),
    ("layer3.1.bn3.weight", (256,), "float32"),
    ("layer3.1.bn3.bias", (256,), "float32"),
    ("layer3.2.conv1.weight", (64, 256, 1, 1), "float32"),
    ("layer3.2.conv2.weight", (64, 32, 3, 3), "float32"),
    ("layer3.2.bn2.weight", (64,), "float32"),
    ("layer3.2.bn2.bias", (64,), "float32"),
    ("layer3.2.conv3.weight", (256, 64, 1, 1), "float32"),
    ("layer3.2.bn3.weight", (256,), "float32"),
    ("layer3.2.bn3.bias", (256,), "float32"),
    ("fc.weight", (10, 256), "float32"),
    ("fc.bias", (10,), "float32"),
    ("bn1.running_mean", (32,), "float32"),
    ("bn1.running_var", (32,), "float32"),
    ("bn1.num_batches_tracked", (), "int64"),
    ("layer1.0.bn2.running_mean", (16,), "float32"),
    ("layer1.0.bn2.running_var", (16,), "float32"),
    ("layer1.0.bn2.num_batches_tracked", (), "int64"),
    ("layer1.0.bn3.running_mean", (64,), "float32"),
    ("layer1.0.bn3.running_var", (64,), "float32"),
    ("layer1.0.bn3.num_batches_tracked", (), "int64"),
    ("layer1.0.downsample.1.running_mean", (64,), "float32"),
    ("layer1.0.downsample.1.running_var", (64,), "float32"),
    ("layer1.0.downsample.1.num_batches_tracked", (), "int64"),
    ("layer1.1.bn2.running_mean", (16,), "float32"),
    ("layer1.1.bn2.running_var", (16,), "float32"),
    ("layer1.1.bn2.num_batches_tracked", (), "int64"),
    ("layer1.1.bn3.running_mean", (64,), "float32"),
    ("layer1.1.bn3.running_var", (64,), "float32"),
    ("layer1.1.bn3.num_batches_tracked", (), "int64"),
    ("layer2.0.bn2.running_mean", (32,), "float32"),
    ("layer2.0.bn2.running_var", (32,), "float32"),
    ("layer2.0.bn2.num_batches_tracked", (), "int64"),
    ("layer2.0.bn3.running_mean", (128,), "float32"),
    ("layer2.0.bn3.running_var", (128,), "float32"),
    ("layer2.0.bn3.num_batches_tracked", (), "int64"),
    ("layer2.0.downsample.1.running_mean", (128,), "float32"),
    ("layer2.0.downsample.1.running_var", (128,), "float32"),
    ("layer2.0.downsample.1.num_batches_tracked", (), "int64"),
    ("layer2.1.bn2.running_mean", (32,), "float32"),
    ("layer2.1.bn2.running_var", (32,), "float32"),
    ("layer2.1.bn2.num_batches_tracked", (), "int64"),
    ("layer2.1.bn3.running_mean", (128,), "float32"),
    ("layer2.1.bn3.running_var", (128,), "float32"),
    ("layer2.1.bn3.num_batches_tracked", (), "int64"),
    ("layer3.0.bn2.running_mean", (64,), "float32"),
    ("layer3.0.bn2.running_var", (64,), "float32"),
    ("layer3.0.bn2.num_batches_tracked", (), "int64"),
    ("layer3.0.bn3.running_mean", (256,), "float32"),
    ("layer3.0.bn3.running_var", (256,), "float32"),
    ("layer3.0.bn3.num_batches_tracked", (), "int64"),
    ("layer3.0.downsample.1.running_mean", (256,), "float32"),
    ("layer3.0.downsample.1.running_var", (256,), "float32"),
    ("layer3.0.downsample.1.num_batches_tracked", (), "int64"),
    ("layer3.1.bn2.running_mean", (64,), "float32"),
    ("layer3.1.bn2.running_var", (64,), "float32"),
    ("layer3.1.bn2.num_batches_tracked", (), "int64"),
    ("layer3.1.bn3.running_mean", (256,), "float32"),
    ("layer3.1.bn3.running_var", (256,), "float32"),
    ("layer3.1.bn3.num_batches_tracked", (), "int64"),
    ("layer3.2.bn2.running_mean", (64,), "float32"),
    ("layer3.2.bn2.running_var", (64,), "float32"),
    ("layer3.2.bn2.num_batches_tracked", (), "int64"),
    ("layer3.2.bn3.running_mean", (256,), "float32"),
    ("layer3.2.bn3.running_var", (256,), "float32"),
    ("layer3.2.bn3.num_batches_tracked", (), "int64"),
]
