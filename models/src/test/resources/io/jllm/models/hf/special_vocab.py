# gguf-py's SpecialVocab (what convert_hf_to_gguf.py uses for merges, special ids, add_*_token and the
# chat template) on a folder holding tokenizer.json, tokenizer_config.json and config.json; prints
# what it would write as JSON, in its own key order. Usage: python3 special_vocab.py DIR
import hashlib
import json
import sys

import gguf

sv = gguf.SpecialVocab(sys.argv[1], load_merges=True)
print(json.dumps({
    "merges": len(sv.merges),
    "merges_sha256": hashlib.sha256("\n".join(sv.merges).encode("utf-8")).hexdigest(),
    "special_token_ids": sv.special_token_ids,
    "add_special_token": sv.add_special_token,
    "chat_template": sv.chat_template,
}))
