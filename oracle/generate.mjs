// llama.cpp's greedy continuation as the oracle: from prompt token ids, generates N tokens with
// llama.cpp's greedy sampler (temperature 0: the highest logit, the lowest token id on a tie) and
// reports at each step the top-2 logits and their margin, which tells how robust that choice is.
import path from "node:path";
import { describeLlama, oracleHome, parseOptions, parsePositiveInt, readJson, requireFile, runMain,
  validateSequences, writeJson } from "./lib/common.mjs";
import { evaluatorOptions, evaluatorUsage, openEvaluator, parseEvaluatorSettings } from "./lib/evaluator.mjs";

const usage = `usage: node oracle/generate.mjs [options] <model.gguf> <prompts.json>
  prompts.json    a JSON array of token ids (one prompt) or an array of such arrays
  --tokens N      tokens to generate per prompt (default 16)
  --stop-at-eog   stop a prompt's generation after an end-of-generation token (default: go on)
  --out FILE      write the JSON there instead of stdout
${evaluatorUsage}
  The prompt goes through llama_decode in batches of --batch-size, then one token per call.
  prints JSON: {model, oracle, settings, results: [{prompt, tokens: [ids], steps: [{token, logit,
                second, secondLogit, margin, eog}]}]}`;

runMain(usage, async () => {
  const { values, positionals } = parseOptions({
    ...evaluatorOptions,
    tokens: { type: "string", default: "16" },
    "stop-at-eog": { type: "boolean", default: false },
    out: { type: "string" },
  }, usage, { positionals: 2 });
  const modelPath = requireFile(positionals[0], "model");
  const settings = parseEvaluatorSettings(values);
  const n = parsePositiveInt(values.tokens, "tokens", { max: 1 << 20 });
  const raw = readJson(positionals[1], "prompts file");
  // Shape first, so that a bad file fails before the model loads; ids against the vocabulary after.
  const prompts = validateSequences(
    Array.isArray(raw) && raw.length > 0 && raw.every(Number.isInteger) ? [raw] : raw, positionals[1]);

  const maxLength = Math.max(...prompts.map((p) => p.length)) + n;
  const ev = await openEvaluator(oracleHome(values), modelPath, settings, maxLength);
  try {
    validateSequences(prompts, positionals[1], ev.nVocab);
    // token: llama.cpp's own greedy pick; includeTop 2: the two best (token, logit) pairs, sorted.
    const next = { generateNext: { token: true, logits: { filter: { includeTop: 2 } } } };
    const results = [];
    for (const prompt of prompts) {
      await ev.sequence.clearHistory();
      let input = prompt;
      const tokens = [];
      const steps = [];
      for (let i = 0; i < n; i++) {
        const out = await ev.sequence.controlledEvaluate(input.map((t, j) => (j === input.length - 1 ? [t, next] : t)));
        const result = out[input.length - 1]?.next;
        if (result?.token == null || !result.logits) throw new Error(`llama.cpp produced no token at step ${i}`);
        const [[first, firstLogit], [second, secondLogit]] = [...result.logits.entries()];
        const token = result.token;
        // With equal top logits the sort may list either first; llama.cpp's pick is result.token.
        const other = token === first ? [second, secondLogit] : [first, firstLogit];
        const eog = ev.model.isEogToken(token);
        steps.push({ token, logit: firstLogit, second: other[0], secondLogit: other[1], margin: firstLogit - other[1], eog });
        tokens.push(token);
        if (eog && values["stop-at-eog"]) break;
        input = [token];
      }
      results.push({ prompt, tokens, steps });
    }
    writeJson({
      model: path.resolve(modelPath), oracle: describeLlama(ev.llama),
      settings: { ...ev.settings, sampler: "greedy" }, results,
    }, values.out);
  } finally {
    await ev.close();
  }
});
