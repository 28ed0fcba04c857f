#!/usr/bin/env python3
"""Writes a throwaway vocab-only Qwen3 GGUF (tokenizer keys + the few qwen3.* keys llama.cpp's loader
reads) from a Hugging Face tokenizer.json, for the llama.cpp side of the tokenizer parity check.

TEMPORARY: stands in for the models module's converter until it lands. The token list and types
follow what llama.cpp's convert_hf_to_gguf.py get_vocab_base() writes (conversion/base.py, read for
the rules, not copied): ids without a token become "[PAD<id>]" (UNUSED); added tokens are CONTROL
when marked special or when they look like "<|...|>", else USER_DEFINED; the rest NORMAL. Ids for
bos/eos/pad are those real Qwen3 GGUFs carry.

    PYTHONPATH=.oracle/llama.cpp/gguf-py python3 oracle/tokenizer/make-vocab-gguf.py OUT.gguf [tokenizer.json]
"""
import gzip
import json
import sys

import gguf

VOCAB_SIZE = 151936  # Qwen3 config.json vocab_size: the embedding rows, padded past the real tokens


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def main():
    out = sys.argv[1]
    src = sys.argv[2] if len(sys.argv) > 2 else "models/src/main/resources/io/jllm/models/qwen3/tokenizer.json.gz"
    tj = load(src)
    vocab = dict(tj["model"]["vocab"])
    added = {t["id"]: t for t in tj["added_tokens"]}
    for t in added.values():
        vocab[t["content"]] = t["id"]
    by_id = {i: s for s, i in vocab.items()}

    tokens, types = [], []
    for i in range(VOCAB_SIZE):
        if i not in by_id:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
            continue
        s = by_id[i]
        tokens.append(s)
        if i in added:
            looks_special = s.startswith("<|") and s.endswith("|>")
            types.append(gguf.TokenType.CONTROL if added[i]["special"] or looks_special
                         else gguf.TokenType.USER_DEFINED)
        else:
            types.append(gguf.TokenType.NORMAL)

    merges = [m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]]

    w = gguf.GGUFWriter(out, "qwen3")
    w.add_name("qwen3-vocab-only")
    w.add_context_length(40960)
    w.add_embedding_length(1024)
    w.add_block_count(28)
    w.add_feed_forward_length(3072)
    w.add_head_count(16)
    w.add_head_count_kv(8)
    w.add_key_length(128)
    w.add_value_length(128)
    w.add_rope_freq_base(1000000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(151643)
    w.add_eos_token_id(151645)
    w.add_pad_token_id(151643)
    w.add_add_bos_token(False)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
