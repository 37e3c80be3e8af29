#!/usr/bin/python3
"""Times torchvision's ResNet-50 in PyTorch (Debian's python3-torch) the way `PiXGen.Zoo bench` times the generated
network: random input (batch, 3, 224, 224), eval forward under no_grad, or a training step (forward, cross-entropy,
backward, SGD with momentum 0.9, lr 0.01); alternating nothing, one model; prints one JSON line.

usage: /usr/bin/python3 tools/bench/pytorch_resnet50.py [--batch 8] [--rounds 11] [--warmup 2] [--train] [--threads 2]
                                                      [--channels-last]
"""
import argparse, json, statistics, time
import torch, torchvision

ap = argparse.ArgumentParser()
ap.add_argument("--batch", type=int, default=8)
ap.add_argument("--rounds", type=int, default=11)
ap.add_argument("--warmup", type=int, default=2)
ap.add_argument("--threads", type=int, default=0, help="intra-op threads (0: PyTorch's default)")
ap.add_argument("--train", action="store_true")
ap.add_argument("--model", default="resnet50")
ap.add_argument("--channels-last", action="store_true", help="model and input in torch.channels_last")
a = ap.parse_args()
if a.threads > 0:
    torch.set_num_threads(a.threads)
torch.manual_seed(0)
model = getattr(torchvision.models, a.model)()
x = torch.randn(a.batch, 3, 224, 224)
labels = torch.randint(0, 1000, (a.batch,))
if a.channels_last:
    model = model.to(memory_format=torch.channels_last)
    x = x.contiguous(memory_format=torch.channels_last)
if a.train:
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
else:
    model.eval()

phases = []


def step():
    if a.train:
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), labels)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        phases.append(((t1 - t0) * 1000, (t2 - t1) * 1000, (time.perf_counter() - t2) * 1000))
    else:
        with torch.no_grad():
            model(x)

times = []
for r in range(a.warmup + a.rounds):
    t0 = time.perf_counter()
    step()
    ms = (time.perf_counter() - t0) * 1000
    if r >= a.warmup:
        times.append(ms)
print(json.dumps({"model": "pytorch " + a.model + (" channels_last" if a.channels_last else ""), "torch": torch.__version__, "mode": "train" if a.train else "eval",
                  "batch": a.batch, "threads": torch.get_num_threads(), "mkldnn": torch.backends.mkldnn.is_available(),
                  "median_ms": round(statistics.median(times), 2), "min_ms": round(min(times), 2), "max_ms": round(max(times), 2),
                  **({"phases_median_ms": {name: round(statistics.median(p[i] for p in phases[a.warmup:]), 2)
                                           for i, name in enumerate(("forward_loss", "backward", "optimizer"))}} if a.train else {})}))
