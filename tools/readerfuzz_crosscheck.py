#!/usr/bin/env python3
"""Cross-checks a sample of the reader fuzzer's mutated files against PyTorch and NumPy themselves.

    dotnet run -c Release --project tests/PiXGen.ReaderFuzz -- --dump /tmp/rf --cases 3000 [--seed S --first K]
    /usr/bin/python3 tools/readerfuzz_crosscheck.py /tmp/rf

For each file the fuzzer's reference decoder (what PiXGen must load) is compared with what PyTorch 1.13's
torch.load(weights_only=True) (.pt), the safetensors rules via safetensors.torch when installed (.safetensors) or
numpy.load(allow_pickle=False) (.npy) make of it. Prints the counts of agreements and each disagreement. A file the
reference refuses but PyTorch loads is listed separately: PiXGen refuses some files on purpose (docs/interop.md,
"Untrusted files"); every other kind of disagreement is a bug in the reference or in the readers.
Needs: apt-get install python3-torch (PyTorch 1.13.1 for /usr/bin/python3).
"""
import json, os, sys, warnings

import numpy as np
import torch

warnings.filterwarnings("ignore")
NAMES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
         torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}


def tensor_hex(t):
    t = t.contiguous()
    if t.dtype == torch.bool:
        return bytes(t.to(torch.uint8).numpy().tobytes()).hex().upper()
    if t.dtype == torch.bfloat16:
        return bytes(t.view(torch.int16).numpy().tobytes()).hex().upper()
    return bytes(t.numpy().tobytes()).hex().upper()


def load(path):
    if path.endswith(".npy"):
        a = np.load(path, allow_pickle=False)
        if a.dtype != np.dtype("<f4") or a.flags.f_contiguous and not a.flags.c_contiguous and a.ndim > 1:
            raise ValueError("not float32 C order")
        return [("", "F32", list(a.shape), a.tobytes().hex().upper())]
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file  # raises ImportError where not installed
        d = load_file(path)
    else:
        d = torch.load(path, weights_only=True)
        if isinstance(d, dict) and not all(isinstance(v, torch.Tensor) for v in d.values()):
            for k in ("state_dict", "model_state_dict", "model"):
                if isinstance(d.get(k), dict):
                    d = d[k]
                    break
    out = []
    for k, v in d.items():
        if not isinstance(k, str) or not isinstance(v, torch.Tensor):
            raise ValueError("not a state_dict")
        out.append((k, NAMES[v.dtype], list(v.shape), tensor_hex(v) if v.numel() * v.element_size() <= 4096 else None))
    return out


def main(folder):
    counts = {}
    notes = []
    with open(os.path.join(folder, "manifest.jsonl")) as f:
        for line in f:
            c = json.loads(line)
            path = os.path.join(folder, c["file"])
            try:
                got = load(path)
                error = None
            except ImportError:
                counts["skipped (no safetensors package)"] = counts.get("skipped (no safetensors package)", 0) + 1
                continue
            except Exception as e:  # PyTorch / NumPy refused the file
                got, error = None, f"{type(e).__name__}: {str(e)[:120]}"
            verdict = c["verdict"]
            if verdict == "Unknown":
                kind = "invariant-only (not compared)"
            elif verdict == "Refuse" and got is None:
                kind = "both refuse"
            elif verdict == "Refuse":
                kind = "reference refuses, PyTorch/NumPy loads"
            elif got is None:
                kind = "reference loads, PyTorch/NumPy refuses"
            else:
                want = [(t["key"], t["dtype"], t["shape"], t["hex"]) for t in c["tensors"]]
                same = len(want) == len(got) and all(
                    w[0] == g[0] and w[1] == g[1] and w[2] == g[2] and (w[3] is None or g[3] is None or w[3] == g[3])
                    for w, g in zip(want, got))
                kind = "both load the same" if same else "both load, different tensors"
            counts[kind] = counts.get(kind, 0) + 1
            if kind not in ("both refuse", "both load the same", "invariant-only (not compared)"):
                notes.append(f"{kind}: {c['file']}: {c['what'][:200]} {error or ''}")
    for k, v in sorted(counts.items()):
        print(f"{v:8d}  {k}")
    for n in notes[:200]:
        print(n)
    bad = sum(v for k, v in counts.items() if k in ("reference loads, PyTorch/NumPy refuses", "both load, different tensors"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
