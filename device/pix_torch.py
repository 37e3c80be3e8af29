#!/usr/bin/env python3
"""The PyTorch half of the device run (device/run.sh): PiX written with PyTorch ops on the GPU.

1. Checks the harness's fused-kernel results at the guide's shape (float32, N=64, 256->64, 56x56, dumped by
   `pixgen-cuda-harness --dump DIR`) against the composite PiX (view/amax/mean/where/mul) evaluated by PyTorch in
   float64 on the GPU, forward and the official backward (first arg-max channel; Mix: p*g/zeta; dp = sum of
   (max or mean)*g), and reports the worst error relative to the element's magnitude (target: 1e-6 forward).
2. Times, at that shape, with TF32 off: the composite forward, its autograd forward+backward, torch.compile of the
   composite forward (float32 only, if it compiles), the 1x1 convolution PiX replaces, and the device-to-device copy rate, for
   float32, float16 and bfloat16; the floor is (bytes read + written) / copy rate.

  python3 pix_torch.py [--dump DIR] [--out DIR]
"""
import argparse
import json
import os
import sys
import time

import torch

N, C, ZETA, H, W = 64, 256, 4, 56, 56
CO = C // ZETA
TAU = 0.5


def composite(x, p, zeta=ZETA, tau=TAU):
    n, c, h, w = x.shape
    g = x.view(n, c // zeta, zeta, h, w)
    return torch.where(p < tau, g.amax(2), g.mean(2)) * p


def official_backward(x, p, g, zeta=ZETA, tau=TAU):
    n, c, h, w = x.shape
    xg = x.view(n, c // zeta, zeta, h, w)
    mx, arg = xg.max(2)
    mean = xg.mean(2)
    pick = p < tau
    pg = p * g
    dx_pick = torch.zeros_like(xg).scatter_(2, arg.unsqueeze(2), pg.unsqueeze(2))
    dx_mix = (pg / zeta).unsqueeze(2).expand_as(xg)
    dx = torch.where(pick.unsqueeze(2), dx_pick, dx_mix).reshape(n, c, h, w)
    dp = torch.where(pick, (mx * g).sum((2, 3), keepdim=True), (mean * g).sum((2, 3), keepdim=True))
    mag = torch.where(pick, (mx.abs() * g.abs()).sum((2, 3), keepdim=True), (xg.abs().mean(2) * g.abs()).sum((2, 3), keepdim=True))
    return dx, dp, mag


def worst(actual, expected, magnitude):
    """max |a - e| / magnitude over finite elements, and whether NaNs agree."""
    finite = torch.isfinite(expected)
    nan_ok = bool((torch.isnan(actual) == torch.isnan(expected)).all())
    err = ((actual.double() - expected).abs() / (magnitude + 1e-30))[finite]
    return (float(err.max()) if err.numel() else 0.0), nan_ok


def check_dump(folder):
    def load(name, shape):
        path = os.path.join(folder, name + ".f32")
        if not os.path.exists(path):
            return None
        return torch.from_file(path, size=int(torch.tensor(shape).prod()), dtype=torch.float32).view(*shape).cuda()
    x, p, g, y = load("x", (N, C, H, W)), load("p", (N, CO, 1, 1)), load("g", (N, CO, H, W)), load("y", (N, CO, H, W))
    dx, dp = load("dx", (N, C, H, W)), load("dp", (N, CO, 1, 1))
    if x is None or y is None:
        return {"status": "no dump (the harness did not run or failed before the guide case)"}
    xd, pd, gd = x.double(), p.double(), g.double()
    y_ref = composite(xd, pd)
    ng = xd.view(N, CO, ZETA, H, W)
    y_mag = torch.where(pd < TAU, ng.abs().amax(2), ng.abs().mean(2)) * pd.abs()
    out = {}
    out["forward_worst_rel"], out["forward_nan_ok"] = worst(y, y_ref, y_mag)
    out["forward_vs_fp32_composite_max_abs"] = float((y - composite(x, p)).abs().max())
    if dx is not None and dp is not None:
        dx_ref, dp_ref, dp_mag = official_backward(xd, pd, gd)
        out["dx_worst_rel"], out["dx_nan_ok"] = worst(dx, dx_ref, dx_ref.abs())
        out["dp_worst_rel"], out["dp_nan_ok"] = worst(dp, dp_ref, dp_mag)
    out["status"] = "ok" if out["forward_worst_rel"] <= 1e-6 and out.get("dx_worst_rel", 0) <= 1e-6 and out.get("dp_worst_rel", 0) <= 1e-5 else "MISMATCH"
    return out


def cuda_time(fn, reps=50, warmup=10):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    samples = []
    for _ in range(7):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(reps):
            fn()
        end.record()
        end.synchronize()
        samples.append(start.elapsed_time(end) / reps)
    samples.sort()
    return samples[len(samples) // 2]


def timings():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    big = torch.empty(256 << 20, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(big)
    copy_ms = cuda_time(lambda: dst.copy_(big))
    bandwidth = 2 * big.numel() / (copy_ms / 1e3)
    del big, dst
    rows = []
    for dtype in (torch.float32, torch.float16, torch.bfloat16):
        es = torch.finfo(dtype).bits // 8
        x = torch.randn(N, C, H, W, device="cuda", dtype=dtype)
        p = torch.rand(N, CO, 1, 1, device="cuda", dtype=dtype)
        floor_fwd = (N * C * H * W + N * CO * H * W) * es / bandwidth * 1e3
        floor_bwd = (2 * N * C * H * W + N * CO * H * W) * es / bandwidth * 1e3
        conv = torch.nn.Conv2d(C, CO, 1, bias=False).cuda().to(dtype)
        with torch.no_grad():
            rows.append((dtype, "composite forward", cuda_time(lambda: composite(x, p)), floor_fwd))
            rows.append((dtype, "1x1 conv forward (what PiX replaces)", cuda_time(lambda: conv(x)), floor_fwd))
        xr, pr = x.clone().requires_grad_(), p.clone().requires_grad_()
        gy = torch.randn(N, CO, H, W, device="cuda", dtype=dtype)

        def fwd_bwd():
            y = composite(xr, pr)
            torch.autograd.grad(y, (xr, pr), gy)
        rows.append((dtype, "composite forward + autograd backward", cuda_time(fwd_bwd, reps=20), floor_fwd + floor_bwd))
        if dtype != torch.float32:  # compiling takes tens of seconds; the guide's comparison is float32
            del x, p, xr, pr, gy, conv
            torch.cuda.empty_cache()
            continue
        try:
            compiled = torch.compile(composite)
            with torch.no_grad():
                rows.append((dtype, "torch.compile(composite) forward", cuda_time(lambda: compiled(x, p)), floor_fwd))
        except Exception as e:  # no Triton, no compiler: report and go on
            rows.append((dtype, f"torch.compile failed: {type(e).__name__}: {str(e).splitlines()[0][:80]}", float("nan"), floor_fwd))
        del x, p, xr, pr, gy, conv
        torch.cuda.empty_cache()
    return bandwidth, rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump")
    ap.add_argument("--out")
    a = ap.parse_args()
    if not torch.cuda.is_available():
        print("pix_torch: torch.cuda.is_available() is False", file=sys.stderr)
        return 2
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}")
    result = {"torch": torch.__version__, "cuda": torch.version.cuda, "device": torch.cuda.get_device_name(0)}
    if a.dump:
        result["harness_vs_composite"] = check_dump(a.dump)
        print("harness fp32 guide case vs composite (float64):", json.dumps(result["harness_vs_composite"]))
    t0 = time.time()
    bandwidth, rows = timings()
    print(f"device-to-device copy: {bandwidth / 1e12:.3f} TB/s")
    print("| dtype | PyTorch | time (ms) | floor (ms) | x floor |")
    print("|---|---|---:|---:|---:|")
    for dtype, name, ms, floor in rows:
        print(f"| {str(dtype).replace('torch.', '')} | {name} | {ms:.4f} | {floor:.4f} | {ms / floor:.2f} |")
    result["copy_bandwidth_bytes_per_s"] = bandwidth
    result["timings"] = [{"dtype": str(d), "what": n, "ms": ms, "floor_ms": f} for d, n, ms, f in rows]
    print(f"({time.time() - t0:.0f} s)")
    if a.out:
        with open(os.path.join(a.out, "torch.json"), "w") as f:
            json.dump(result, f, indent=2)
    status = result.get("harness_vs_composite", {}).get("status", "ok")
    return 0 if status in ("ok",) or status.startswith("no dump") else 1


if __name__ == "__main__":
    sys.exit(main())
