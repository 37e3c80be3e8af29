"""Trains a PiXGen network exported to PyTorch (`PiXGen.Zoo export <model> --pytorch <dir>`) with
DistributedDataParallel and DistributedSampler, on Fashion-MNIST's IDX files (as the C# `train` command reads them) or
on any .npy image/label pair. Rank 0 writes .safetensors checkpoints that `PiXGen.Zoo predict --weights` and every C#
loader read. Needs torch >= 1.13 only. See docs/scale-out.md.

    # one machine, two processes on the CPU (gloo):
    torchrun --standalone --nproc_per_node=2 tools/scale-out/train_ddp.py \\
        --model-dir export/ --model fmnist_resnet --data /usr/share/datasets/fashion-mnist --epochs 1 --batch 64 --out runs/ddp
    # several machines with GPUs (NCCL): the same script, one torchrun per node
    torchrun --nnodes=4 --nproc_per_node=8 --rdzv_backend=c10d --rdzv_endpoint=head:29500 tools/scale-out/train_ddp.py ...

--batch is per process: N processes at --batch B train like one process at batch N*B (gradients are averaged), which
holds exactly when BatchNorm does not use batch statistics (--freeze-bn; on GPUs --sync-bn) and dropout is off
(--no-dropout), up to the rounding of the sums: in float32 the different summation order of N·B samples can flip a
ReLU or a max-pool choice after a few steps, so checks of the equivalence train in float64 (--float64; checkpoints
and --predict stay float32). Without torchrun (no RANK in the environment) the script runs as a single process.
"""
import argparse
import gzip
import importlib
import json
import math
import os
import struct
import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

# ---- data -------------------------------------------------------------------------------------------------------

IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")


def read_idx(path):
    """An IDX file (gzip-compressed or not) as a uint8 tensor; only the unsigned-byte type, as src/PiXGen/Data/Idx.cs."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "i" * raw[3], raw[4:4 + 4 * raw[3]])
    data = torch.frombuffer(bytearray(raw[4 + 4 * raw[3]:]), dtype=torch.uint8)
    if data.numel() != math.prod(dims):
        raise ValueError(f"{path}: {data.numel()} bytes of data for dimensions {dims}")
    return data.reshape(dims)


def find(folder, name):
    for candidate in (name + ".gz", name):
        if os.path.exists(os.path.join(folder, candidate)):
            return os.path.join(folder, candidate)
    raise FileNotFoundError(f"{folder}: no {name}(.gz); install Debian's dataset-fashion-mnist or pass --data <folder>")


def load_data(args):
    """Images (N, C, H, W) float32, normalised by the training set's mean and std as `train` does, and labels (N,)."""
    if args.data.endswith(".npy"):
        import numpy as np  # only for .npy data
        images = torch.from_numpy(np.load(args.data))
        labels = torch.from_numpy(np.load(args.labels)).long()
    else:
        images = read_idx(find(args.data, IDX_FILES[0]))
        labels = read_idx(find(args.data, IDX_FILES[1])).long()
    if images.dtype == torch.uint8:
        images = images.float() / 255.0
    images = images.float()
    if images.dim() == 3:
        images = images.unsqueeze(1)
    if args.limit:
        images, labels = images[:args.limit], labels[:args.limit]
    mean, std = images.mean().item(), images.std(unbiased=False).item()
    return (images - mean) / max(std, 1e-6), labels


# ---- safetensors (the format, without the package) --------------------------------------------------------------

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
          torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"}


def save_safetensors(state_dict, path):
    """Writes tensors as safetensors (8-byte little-endian header size, JSON header, data), through a temporary file."""
    header, blobs, offset = {}, [], 0
    for key, value in state_dict.items():
        value = value.detach().cpu().contiguous()
        data = value.reshape(-1).view(torch.uint8).numpy().tobytes() if value.numel() else b""
        header[key] = {"dtype": DTYPES[value.dtype], "shape": list(value.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    temp = path + ".tmp"
    with open(temp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(temp, path)


def load_safetensors(path):
    by_name = {v: k for k, v in DTYPES.items()}
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    result = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = by_name[info["dtype"]]
        t = torch.frombuffer(bytearray(data[start:end]), dtype=torch.uint8) if end > start else torch.empty(0, dtype=torch.uint8)
        result[key] = t.view(dtype).reshape(info["shape"]).clone()
    return result


def load_weights(path):
    return load_safetensors(path) if path.endswith(".safetensors") else torch.load(path, map_location="cpu")


# ---- training ---------------------------------------------------------------------------------------------------

def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model-dir", required=True, help="the folder `export --pytorch` wrote")
    p.add_argument("--model", required=True, help="the exported module's name, e.g. fmnist_resnet")
    p.add_argument("--data", required=True, help="a folder with Fashion-MNIST's IDX files, or images.npy (with --labels)")
    p.add_argument("--labels", help="labels.npy, with --data images.npy")
    p.add_argument("--weights", help="start from this checkpoint (.safetensors or .pt) instead of build()'s initialisation")
    p.add_argument("--seed", type=int, default=1, help="initialisation (when no --weights) and data order")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--steps", type=int, default=0, help="stop after this many optimizer steps (0: run the epochs)")
    p.add_argument("--batch", type=int, default=64, help="batch size per process")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--limit", type=int, default=0, help="use the first N images only")
    p.add_argument("--no-shuffle", action="store_true", help="visit the images in file order")
    p.add_argument("--freeze-bn", action="store_true", help="BatchNorm in eval mode (running statistics, not updated)")
    p.add_argument("--float64", action="store_true",
                   help="train in float64 (checkpoints and --predict in float32): for checking N ranks against one process")
    p.add_argument("--sync-bn", action="store_true", help="SyncBatchNorm across processes (NCCL/GPUs only)")
    p.add_argument("--no-dropout", action="store_true", help="Dropout and StochasticDepth off")
    p.add_argument("--backend", default=None, help="gloo (CPU, default without CUDA) or nccl (default with CUDA)")
    p.add_argument("--out", required=True, help="checkpoints go to <out>/<model>/")
    p.add_argument("--checkpoint-every", type=int, default=0, help="also write step-NNNNNN.safetensors every N steps")
    p.add_argument("--predict", help="after training, rank 0 writes the eval logits of this .pt/.npy batch to <out>/<model>/predict.json")
    return p.parse_args()


def main():
    args = parse()
    distributed = "RANK" in os.environ
    cuda = torch.cuda.is_available() and args.backend != "gloo"
    if distributed:
        dist.init_process_group(args.backend or ("nccl" if cuda else "gloo"))
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}") if cuda else torch.device("cpu")

    sys.path.insert(0, os.path.abspath(args.model_dir))
    exported = importlib.import_module(args.model)
    model = exported.build(seed=args.seed)
    if args.weights:
        model.load_state_dict(load_weights(args.weights))
    if args.sync_bn:
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    model.to(device)
    if args.float64:
        model.double()

    images, labels = load_data(args)
    if args.float64:
        images = images.double()
    dataset = TensorDataset(images, labels)
    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=not args.no_shuffle, seed=args.seed, drop_last=True)
    loader = DataLoader(dataset, batch_size=args.batch, sampler=sampler, drop_last=True)
    net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if cuda else None) if distributed else model
    optimizer = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=args.momentum)

    out = os.path.join(args.out, args.model)
    if rank == 0:
        os.makedirs(out, exist_ok=True)

    def set_modes():
        net.train()
        for m in model.modules():
            if args.freeze_bn and isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.eval()
            if args.no_dropout and (isinstance(m, torch.nn.Dropout) or type(m).__name__ == "StochasticDepth"):
                m.eval()

    def save(name):
        if rank == 0:
            state = model.state_dict()
            if args.float64:
                state = {k: v.float() if v.dtype == torch.float64 else v for k, v in state.items()}
            save_safetensors(state, os.path.join(out, name))

    step = 0
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        set_modes()
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            optimizer.step()
            step += 1
            if rank == 0 and (step % 50 == 0 or step == 1):
                print(json.dumps({"epoch": epoch, "step": step, "loss": loss.item(), "world_size": world}), flush=True)
            if args.checkpoint_every and step % args.checkpoint_every == 0:
                save(f"step-{step:06d}.safetensors")
            if args.steps and step >= args.steps:
                break
        save(f"epoch-{epoch + 1:03d}.safetensors")
        if args.steps and step >= args.steps:
            break
    save("final.safetensors")

    if rank == 0 and args.predict:
        batch = load_weights(args.predict)["input"] if args.predict.endswith(".pt") else torch.from_numpy(__import__("numpy").load(args.predict))
        model.eval()
        if args.float64:
            model.float()
        with torch.no_grad():
            logits = model(batch.to(device)).cpu()
        with open(os.path.join(out, "predict.json"), "w") as f:
            json.dump({"model": args.model, "steps": step, "world_size": world, "logits": logits.tolist()}, f)
    if rank == 0:
        print(json.dumps({"done": True, "steps": step, "world_size": world, "checkpoint": os.path.join(out, "final.safetensors")}), flush=True)
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
