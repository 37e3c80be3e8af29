#!/usr/bin/python3
"""Writes the small Fashion-MNIST subset the tests train on (tests/PiXGen.Tests/Fixtures/fashion-mnist/).

Reads the four IDX files of Debian's dataset-fashion-mnist package (or --source DIR) and writes the first
--train training images and the first --test test images, with their labels, as gzip-compressed IDX files under
the original names, so `train --data <fixture folder>` reads them like the full set. Standard library only.

    /usr/bin/python3 tools/fashion-mnist/make_subset.py [--source DIR] [--out DIR] [--train 500] [--test 200]
"""
import argparse
import gzip
import os
import struct

NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, rank = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 0x08, f"{path}: not an unsigned-byte IDX file"
    dims = list(struct.unpack(">" + "i" * rank, data[4:4 + 4 * rank]))
    return dims, data[4 + 4 * rank:]


def write_idx(path, dims, payload):
    header = struct.pack(">HBB", 0, 0x08, len(dims)) + struct.pack(">" + "i" * len(dims), *dims)
    # mtime=0: the same input gives byte-identical files.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as f:
        f.write(header + payload)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "PiXGen.Tests", "Fixtures", "fashion-mnist"))
    p.add_argument("--train", type=int, default=500)
    p.add_argument("--test", type=int, default=200)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for name, count in zip(NAMES, [a.train, a.train, a.test, a.test]):
        dims, data = read_idx(os.path.join(a.source, name))
        item = 1
        for d in dims[1:]:
            item *= d
        write_idx(os.path.join(a.out, name), [count] + dims[1:], data[:count * item])
        print(f"{name}: {count} of {dims[0]}")


if __name__ == "__main__":
    main()
