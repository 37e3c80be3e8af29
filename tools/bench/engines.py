#!/usr/bin/python3
"""The PyTorch engines of `PiXGen.Zoo bench --engines` (examples/PiXGen.Zoo/Commands/EngineBench.cs).

The zoo CLI exports the network with the PyTorch backend (`export --pytorch`, docs/scale-out.md) into a folder, writes
its state_dict plus the input batch ("__input__") and the generated module's eval output ("__output__") as one
.safetensors file, and starts this script, which builds the same network, loads the same weights strictly and prepares
each engine asked for:

  pytorch      eager, NCHW
  pytorch-cl   eager, channels_last (model and input)
  pytorch-jit  torch.jit.optimize_for_inference of the frozen scripted module (traced when it does not script):
               BatchNorm folded, oneDNN-blocked weights

It prints one JSON line, {"ready": {engine: {"max_abs_diff": d} or {"unavailable": reason}}, "torch": version,
"threads": n}, then answers each line "<engine>" on stdin with the milliseconds of one eval forward (timed here, so the
pipe is not timed), until stdin closes.

usage: /usr/bin/python3 tools/bench/engines.py --module DIR/NAME --weights FILE.safetensors --threads N ENGINE...
"""
import argparse, importlib, json, os, sys, time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scale-out"))
from train_ddp import load_safetensors  # noqa: E402  (the one safetensors reader of tools/)

ENGINES = ("pytorch", "pytorch-cl", "pytorch-jit")


class _NoContext:
    """Stands in for autograd's ctx so that an exported PiXFunction's forward runs as plain ops (traceable)."""

    def save_for_backward(self, *tensors):
        pass


def traceable(exported):
    """Eval-only: PiX modules call PiXFunction.forward directly, so tracing sees its ops instead of a Python op."""
    if hasattr(exported, "PiX") and hasattr(exported, "PiXFunction"):
        blocks = exported._pix_blocks

        def fixed_blocks(channels, zeta):  # the tracer hands sizes over as tensors; the blocks are fixed per layer
            return blocks(int(channels), zeta)

        exported._pix_blocks = fixed_blocks

        def forward(self, x):
            return exported.PiXFunction.forward(_NoContext(), x, self.probabilities(x), self.zeta, self.tau, self.mode)
        exported.PiX.forward = forward


def prepare(name, exported, state, x):
    model = exported.build()
    model.load_state_dict(state, strict=True)
    model.eval()
    if name == "pytorch":
        return model, x
    if name == "pytorch-cl":
        return model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    traceable(exported)
    try:
        frozen = torch.jit.freeze(torch.jit.script(model))
    except Exception:  # not scriptable (Python-only constructs): trace instead
        frozen = torch.jit.freeze(torch.jit.trace(model, x, check_trace=False))
    return torch.jit.optimize_for_inference(frozen), x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--module", required=True, help="DIR/NAME of the exported PyTorch module (NAME.py in DIR)")
    ap.add_argument("--weights", required=True)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("engines", nargs="+")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    folder, name = os.path.split(a.module)
    sys.path.insert(0, folder)
    exported = importlib.import_module(name)
    state = load_safetensors(a.weights)
    x, reference = state.pop("__input__"), state.pop("__output__")
    runners, ready = {}, {}
    with torch.no_grad():
        for engine in a.engines:
            if engine not in ENGINES:
                ready[engine] = {"unavailable": f"not a PyTorch engine ({', '.join(ENGINES)})"}
                continue
            try:
                model, xe = prepare(engine, exported, state, x)
                y = model(xe)
                ready[engine] = {"max_abs_diff": float((y.float() - reference).abs().max())}
                runners[engine] = (model, xe)
            except Exception as e:  # reported, not fatal: the other engines still run
                ready[engine] = {"unavailable": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"}
        print(json.dumps({"ready": ready, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
        for line in sys.stdin:
            engine = line.strip()
            if engine not in runners:
                print(json.dumps({"error": f"{engine} is not ready"}), flush=True)
                continue
            model, xe = runners[engine]
            t0 = time.perf_counter()
            model(xe)
            print(f"{(time.perf_counter() - t0) * 1000:.4f}", flush=True)


if __name__ == "__main__":
    main()
