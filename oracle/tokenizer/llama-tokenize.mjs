#!/usr/bin/env node
// llama.cpp's tokenization (node-llama-cpp, vocabulary only, no BOS) of each {text, parseSpecial}
// in a JSON array; prints a JSON array of id arrays in the same order. Used by the engine's
// @Tag("oracle") LlamaCppTokenizerOracleTest.
//
//   node oracle/tokenizer/llama-tokenize.mjs MODEL.gguf CASES.json > IDS.json
//
// Node packages come from $JLLM_ORACLE_HOME/node_modules, else <repo>/.oracle (oracle/setup installs them).
import fs from "node:fs";
import { loadLlamaVocab } from "./oracle-home.mjs";

const [modelPath, casesPath] = process.argv.slice(2);
if (!modelPath || !casesPath) {
  console.error("usage: llama-tokenize.mjs MODEL.gguf CASES.json");
  process.exit(2);
}
const cases = JSON.parse(fs.readFileSync(casesPath, "utf8"));
const model = await loadLlamaVocab(modelPath);
process.stdout.write(JSON.stringify(cases.map((c) => Array.from(model.tokenize(c.text, c.parseSpecial)))));
await model.dispose();
