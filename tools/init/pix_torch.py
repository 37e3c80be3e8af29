"""PiX-ResNet in plain PyTorch for the init and SGD-step fixtures (CPU, no CUDA extension needed).

Written from the operator's definition in docs/pix-operator.md: the forward is the pick-or-mix composite and
the backward is the official kernel's rule (Pick: p*g to the arg-max channel of the group, Mix: p*g/zeta to
every channel, dp = sum over H, W of (max or mean)*g, nothing through the hard test p < tau). State_dict names
follow the official PiXResNet50_cs (conv_stem, layerN.blocks.i.conv_sqz, ..., classifier), and so does its
initialisation: xavier-uniform for every Conv2d with zero bias, BatchNorm 1/0.
"""
import torch
import torch.nn as nn


class PiXOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, p, zeta, tau):
        n, c, h, w = x.shape
        if c % zeta:
            raise ValueError(f"PiX fixture model: {c} channels are not a multiple of zeta={zeta}")
        groups = x.view(n, c // zeta, zeta, h, w)
        mx, arg = groups.max(dim=2)
        mean = groups.mean(dim=2)
        pick = p < tau
        sampled = torch.where(pick, mx, mean)
        ctx.save_for_backward(p, arg, sampled, pick)
        ctx.zeta = zeta
        ctx.in_shape = x.shape
        return p * sampled

    @staticmethod
    def backward(ctx, g):
        p, arg, sampled, pick = ctx.saved_tensors
        zeta = ctx.zeta
        n, c, h, w = ctx.in_shape
        pg = p * g
        dpick = torch.zeros(n, c // zeta, zeta, h, w, dtype=g.dtype)
        dpick.scatter_(2, arg.unsqueeze(2), pg.unsqueeze(2))
        dmix = (pg / zeta).unsqueeze(2).expand(n, c // zeta, zeta, h, w)
        dx = torch.where(pick.unsqueeze(2), dpick, dmix).reshape(n, c, h, w)
        dp = (sampled * g).sum(dim=(2, 3), keepdim=True)
        return dx, dp, None, None


class PiXBottleneck(nn.Module):
    def __init__(self, inp, out, stride, zeta, projection, tau=0.5):
        super().__init__()
        width = inp // zeta
        self.zeta, self.tau, self.projection = zeta, tau, projection
        self.conv_sqz = nn.Conv2d(inp, width, 1, bias=False)
        self.conv_ce = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn_ce = nn.BatchNorm2d(width)
        self.conv_exp = nn.Conv2d(width, out, 1, bias=False)
        self.bn_exp = nn.BatchNorm2d(out)
        if projection:
            self.conv_proj = nn.Conv2d(inp, out, 1, stride, bias=False)
            self.bn_proj = nn.BatchNorm2d(out)

    def forward(self, x):
        p = torch.sigmoid(self.conv_sqz(x.mean(dim=(2, 3), keepdim=True)))
        y = PiXOp.apply(x, p, self.zeta, self.tau)
        y = torch.relu(self.bn_ce(self.conv_ce(y)))
        y = self.bn_exp(self.conv_exp(y))
        shortcut = self.bn_proj(self.conv_proj(x)) if self.projection else x
        return torch.relu(y + shortcut)


class PiXStage(nn.Module):
    def __init__(self, inp, out, depth, stride, first_zeta):
        super().__init__()
        self.blocks = nn.ModuleList(
            PiXBottleneck(inp if i == 0 else out, out, stride if i == 0 else 1, first_zeta if i == 0 else 4, i == 0)
            for i in range(depth))

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


class PiXResNet(nn.Module):
    def __init__(self, depths=(3, 4, 6, 3), num_classes=1000):
        super().__init__()
        self.conv_stem = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn_stem = nn.BatchNorm2d(64)
        ins, outs, strides, zetas = (64, 256, 512, 1024), (256, 512, 1024, 2048), (1, 2, 2, 2), (1, 2, 2, 2)
        for i in range(4):
            setattr(self, f"layer{i + 1}", PiXStage(ins[i], outs[i], depths[i], strides[i], zetas[i]))
        self.classifier = nn.Conv2d(2048, num_classes, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.bn_stem(self.conv_stem(x))), 3, 2, 1)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.classifier(x.mean(dim=(2, 3), keepdim=True))  # dropout is the identity in eval mode
        return x.flatten(1)
