"""Oracle helper for GgufPyOracleTest: runs gguf-py's reference codecs (gguf/quants.py) on raw files.

usage: gguf_py_codec.py dequantize TYPE IN OUT   # IN: packed blocks, OUT: little-endian float32
       gguf_py_codec.py quantize   TYPE IN OUT   # IN: little-endian float32, OUT: packed blocks
       gguf_py_codec.py supported                # prints "dequantize:T,T,...;quantize:T,T,..." and exits

Needs numpy and gguf-py on PYTHONPATH.
"""
import sys

import numpy as np
from gguf import quants
from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

ASKED = ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K", "Q8_K"]


def supported(kind):
    """The types gguf-py can run in this direction: probed, since dequantize-only codecs raise on quantize."""
    names = []
    for name in ASKED:
        qtype = GGMLQuantizationType[name]
        block_size, type_size = GGML_QUANT_SIZES[qtype]
        try:
            if kind == "quantize":
                quants.quantize(np.zeros(block_size, dtype=np.float32), qtype)
            else:
                quants.dequantize(np.zeros(type_size, dtype=np.uint8), qtype)
        except NotImplementedError:
            continue
        names.append(name)
    return names


def main(argv):
    if argv[1] == "supported":
        print("dequantize:" + ",".join(supported("dequantize")) + ";quantize:" + ",".join(supported("quantize")))
        return
    mode, name, src, dst = argv[1:5]
    qtype = GGMLQuantizationType[name]
    if mode == "dequantize":
        data = np.fromfile(src, dtype=np.uint8)
        out = quants.dequantize(data, qtype).astype("<f4", copy=False)
    else:
        data = np.fromfile(src, dtype="<f4")
        out = quants.quantize(data, qtype)
    out.tofile(dst)


if __name__ == "__main__":
    main(sys.argv)
