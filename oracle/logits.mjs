// llama.cpp's logits as the oracle: evaluates token-id sequences on the CPU backend and writes the
// raw logit vector after chosen prefix lengths, as little-endian float32 files plus a JSON index
// (or, with --top-k, only the k largest logits, in the index).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describeLlama, oracleHome, parseOptions, parsePositiveInt, readJson, requireFile, runMain, UsageError,
  validateSequences, writeJson } from "./lib/common.mjs";
import { evaluate, evaluatorOptions, evaluatorUsage, openEvaluator, parseEvaluatorSettings, top2 }
  from "./lib/evaluator.mjs";

const usage = `usage: node oracle/logits.mjs [options] <model.gguf> <sequences.json> <out-dir>
  sequences.json  a JSON array of token-id arrays, e.g. [[9707, 11, 1879], [151644, 872]]
  out-dir         gets index.json and, without --top-k, seq-<i>.f32 per sequence: one row of n_vocab
                  little-endian float32 logits per requested prefix length, in the order listed in the index
  --prefixes P    which prefix lengths L to output logits after (the prediction for token L):
                  all (default), last, or a comma list such as 1,5,9 (lengths beyond a sequence are skipped)
  --mode M        prefill (default): each sequence goes through llama_decode in batches of --batch-size,
                  as llama.cpp processes a prompt; incremental: one token per llama_decode, as in generation
  --top-k K       write no vectors; list the K largest (token, logit) pairs per prefix in index.json
${evaluatorUsage}
  Each sequence starts from an empty KV cache. index.json: {model, oracle, settings, nVocab, sequences:
  [{index, length, prefixLengths, file, argmax, maxLogit, margin, topK?}]}`;

function parsePrefixes(text) {
  if (text === "all" || text === "last") return text;
  const list = text.split(",").map((part) => parsePositiveInt(part.trim(), "prefixes"));
  if (list.length === 0) throw new UsageError("--prefixes is empty");
  return [...new Set(list)].sort((a, b) => a - b);
}

function prefixLengthsFor(prefixes, length) {
  if (prefixes === "all") return Array.from({ length }, (_, i) => i + 1);
  if (prefixes === "last") return [length];
  return prefixes.filter((p) => p <= length);
}

function topK(row, k) {
  const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a] || a - b);
  return order.slice(0, k).map((token) => [token, row[token]]);
}

runMain(usage, async () => {
  const { values, positionals } = parseOptions({
    ...evaluatorOptions,
    prefixes: { type: "string", default: "all" },
    mode: { type: "string", default: "prefill" },
    "top-k": { type: "string" },
  }, usage, { positionals: 3 });
  const modelPath = requireFile(positionals[0], "model");
  const settings = parseEvaluatorSettings(values);
  const prefixes = parsePrefixes(values.prefixes);
  if (values.mode !== "prefill" && values.mode !== "incremental")
    throw new UsageError(`--mode must be prefill or incremental, got '${values.mode}'`);
  const k = values["top-k"] === undefined ? 0 : parsePositiveInt(values["top-k"], "top-k");
  if (os.endianness() !== "LE") throw new Error("logits.mjs writes float32 rows as they lie in memory; this machine is big-endian");
  const outDir = path.resolve(positionals[2]);
  // Shape first, so that a bad file fails before the model loads; ids against the vocabulary after.
  const sequences = validateSequences(readJson(positionals[1], "sequences file"), positionals[1]);
  fs.mkdirSync(outDir, { recursive: true });

  const maxLength = Math.max(...sequences.map((s) => s.length));
  const ev = await openEvaluator(oracleHome(values), modelPath, settings, maxLength);
  try {
    validateSequences(sequences, positionals[1], ev.nVocab);
    const entries = [];
    for (const [index, tokens] of sequences.entries()) {
      const lengths = prefixLengthsFor(prefixes, tokens.length);
      await ev.sequence.clearHistory();
      let rows;
      if (values.mode === "prefill") {
        rows = await evaluate(ev, tokens, lengths.map((l) => l - 1));
      } else {
        const wanted = new Set(lengths);
        rows = [];
        for (let i = 0; i < tokens.length; i++) {
          const got = await evaluate(ev, [tokens[i]], wanted.has(i + 1) ? [0] : []);
          rows.push(...got);
        }
      }
      const summary = rows.map(top2);
      const entry = {
        index, length: tokens.length, prefixLengths: lengths,
        argmax: summary.map((s) => s.top1), maxLogit: summary.map((s) => s.top1Logit),
        margin: summary.map((s) => s.margin),
      };
      if (k > 0) {
        entry.topK = rows.map((row) => topK(row, k));
      } else {
        entry.file = `seq-${index}.f32`;
        // Float32Array memory is in the platform's byte order, little-endian on x64 (setup allows no other).
        fs.writeFileSync(path.join(outDir, entry.file), Buffer.concat(rows.map((row) => new Uint8Array(row.buffer))));
      }
      entries.push(entry);
    }
    writeJson({
      model: modelPath, oracle: describeLlama(ev.llama),
      settings: { ...ev.settings, mode: values.mode },
      nVocab: ev.nVocab, sequences: entries,
    }, path.join(outDir, "index.json"));
    process.stdout.write(`${path.join(outDir, "index.json")}\n`);
  } finally {
    await ev.close();
  }
});
