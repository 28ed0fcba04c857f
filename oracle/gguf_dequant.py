#!/usr/bin/env python3
"""Dequantization oracle: every tensor of a GGUF file dequantized by llama.cpp's gguf-py
(GGUFReader + gguf.quants.dequantize), reported as the sha256 of its float32 little-endian bytes in
ggml element order (ne0 fastest), and optionally dumped raw, so that jLLM's own dequantization can be
checked bit for bit.

Needs gguf-py on the path: PYTHONPATH=<repo>/.oracle/llama.cpp/gguf-py (oracle/setup installs it).
"""
import argparse
import hashlib
import json
import os
import re
import sys


def parse_args():
    p = argparse.ArgumentParser(
        description="Dequantize every tensor of a GGUF file with gguf-py; print JSON with one sha256 of "
                    "the float32 little-endian values per tensor.",
        epilog="JSON out: {file, tensors: [{name, type, shape (ggml ne order), elements, sha256, dump?}]}")
    p.add_argument("model", help="GGUF file")
    p.add_argument("--dump", metavar="DIR", help="also write each tensor's float32 LE values to DIR/<name>.f32")
    p.add_argument("--only", metavar="NAMES", help="comma-separated tensor names to process (default: all)")
    p.add_argument("--out", metavar="FILE", help="write the JSON there instead of stdout")
    return p.parse_args()


def fail(message):
    print(f"gguf_dequant.py: ERROR: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    args = parse_args()
    try:
        import numpy as np
        from gguf import GGUFReader
        from gguf.quants import dequantize
    except ImportError as e:
        fail(f"{e}; run oracle/setup and set PYTHONPATH=<repo>/.oracle/llama.cpp/gguf-py")

    if not os.path.isfile(args.model):
        fail(f"model {args.model} does not exist or is not a file")
    try:
        reader = GGUFReader(args.model)
    except Exception as e:  # gguf-py raises ValueError, struct.error, IndexError... on bad files
        fail(f"{args.model} is not a readable GGUF file: {type(e).__name__}: {e}")

    wanted = None
    if args.only:
        wanted = {n.strip() for n in args.only.split(",") if n.strip()}
        missing = wanted - {t.name for t in reader.tensors}
        if missing:
            fail(f"{args.model} has no tensor(s) {', '.join(sorted(missing))}")
    if args.dump:
        os.makedirs(args.dump, exist_ok=True)

    tensors = []
    for t in reader.tensors:
        if wanted is not None and t.name not in wanted:
            continue
        try:
            values = dequantize(t.data, t.tensor_type)
        except NotImplementedError as e:
            fail(f"tensor {t.name}: gguf-py cannot dequantize {t.tensor_type.name}: {e}")
        flat = np.ascontiguousarray(values, dtype="<f4").reshape(-1)
        if flat.size != t.n_elements:
            fail(f"tensor {t.name}: dequantized {flat.size} values, expected {t.n_elements}")
        data = flat.tobytes()
        entry = {
            "name": t.name,
            "type": t.tensor_type.name,
            "shape": [int(x) for x in t.shape],
            "elements": int(t.n_elements),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        if args.dump:
            # Tensor names are dotted identifiers; anything else is made safe for a file name.
            entry["dump"] = re.sub(r"[^A-Za-z0-9._-]", "_", t.name) + ".f32"
            with open(os.path.join(args.dump, entry["dump"]), "wb") as f:
                f.write(data)
        tensors.append(entry)

    text = json.dumps({"file": os.path.abspath(args.model), "tensors": tensors}, indent=1) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
