// llama.cpp's tokenizer as the oracle: token ids of each string, with special-token parsing off and
// on, and the detokenized round trip. Loads only the vocabulary of the GGUF (no weights).
//
// llama.cpp semantics (src/llama-vocab.cpp, common_tokenize(vocab, text, add_special=false, parse_special)):
// - No BOS/EOS is added, whatever tokenizer.ggml.add_bos_token says.
// - parse_special=false ("plain") still splits out USER_DEFINED tokens (for Qwen3: <think>, </think>,
//   <tool_call>, ...); only CONTROL tokens (<|im_start|>, <|endoftext|>, <|fim_prefix|>, ...) are
//   then treated as plain text.
// - Detokenizing renders CONTROL tokens only when asked to ("special" output uses that; "plain" does not).
import path from "node:path";
import {
  describeLlama, loadLlama, loadModel, oracleHome, parseOptions, readStrings, requireFile, runMain, writeJson,
} from "./lib/common.mjs";

const usage = `usage: node oracle/tokenize.mjs [--home DIR] [--out FILE] <model.gguf> <strings.json>
  strings.json  a JSON array of strings
  prints JSON: {model, oracle, vocab: {bos, eos, addBos}, results: [{text, plain: [ids], special: [ids],
                plainText, specialText, plainRoundTrip, specialRoundTrip}]}
  plain   = llama.cpp's tokenize with parse_special=false, special = parse_special=true (no BOS added);
  *Text   = detokenize(ids, special=false / true), *RoundTrip = whether that equals text.`;

runMain(usage, async () => {
  const { values, positionals } = parseOptions({ out: { type: "string" } }, usage, { positionals: 2 });
  const modelPath = requireFile(positionals[0], "model");
  const strings = readStrings(positionals[1]);

  const llama = await loadLlama(oracleHome(values), { threads: 1 });
  const model = await loadModel(llama, { modelPath, vocabOnly: true, gpuLayers: 0 });
  const results = strings.map((text) => {
    const plain = model.tokenize(text, false);
    const special = model.tokenize(text, true);
    const plainText = model.detokenize(plain, false);
    const specialText = model.detokenize(special, true);
    return {
      text, plain, special, plainText, specialText,
      plainRoundTrip: plainText === text, specialRoundTrip: specialText === text,
    };
  });
  writeJson({
    model: path.resolve(modelPath),
    oracle: describeLlama(llama),
    vocab: { bos: model.tokens.bos, eos: model.tokens.eos, eot: model.tokens.eot, addBos: model.tokens.shouldPrependBosToken },
    results,
  }, values.out);
  await model.dispose();
  await llama.dispose();
});
