// The tokenizer parity corpus: handcrafted cases plus seeded random combinations. Deterministic:
// the same code always yields the same strings. Each case is {text, parseSpecial}.

/** mulberry32: a small seeded PRNG, so the corpus never changes between runs. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    bool: (p = 0.5) => next() < p,
  };
}

const CONTROL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|box_end|>",
  "<|vision_pad|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>",
  "<|file_sep|>"];
const USER_DEFINED = ["<think>", "</think>", "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"];
const LOOKALIKES = ["</s>", "<s>", "<|im_start|", "<|im_start>", "<think", "think>", "<|IM_START|>", "<|im_end|>>",
  "<<|im_end|>", "< think>", "<tool_call >", "<|endoftext|><|endoftext|>", "<think></think>"];

const ENGLISH = [
  "The quick brown fox jumps over the lazy dog.",
  "It was the best of times, it was the worst of times, it was the age of wisdom.",
  "Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse...",
  "In 1969, Neil Armstrong became the first person to walk on the Moon.",
  "She sells sea-shells on the sea-shore; the shells she sells are sea-shells, I'm sure.",
  "\"Hello,\" he said, \"how are you doing today?\" \u2014 'Fine, thanks!'",
  "Tokenization splits text into pieces; byte-pair encoding merges frequent pairs.",
  "Mr. Smith's car isn't here; we'll wait. They've gone, haven't they? I'd say so.",
  "E-mail me at john.doe@example.com or visit https://www.example.org/path?q=1&r=two#frag.",
  "The price rose from $3.50 to $4.75 (an increase of 35.7%) over 12 months.",
  "Transformers use self-attention: softmax(QK^T / sqrt(d)) V.",
  "Please don't hesitate to reach out if you have questions, concerns, or feedback!!!",
  "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.",
  "WHY ARE YOU SHOUTING? i'M NOT SHOUTING, YOU'RE SHOUTING!",
  "naïve café résumé coöperate façade jalapeño Ångström Øresund straße",
  "Rock 'n' roll, ma'am, o'clock, y'all, 'twas, fo'c'sle, rock'n'roll.",
];
const CODE = [
  "public static void main(String[] args) {\n    System.out.println(\"Hello, World!\");\n}\n",
  "for (int i = 0; i < n; i++) {\n\tsum += a[i] * b[i];\n}",
  "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\nprint([fib(i) for i in range(10)])\n",
  "class Foo:\n    \"\"\"Docstring.\"\"\"\n\n    def __init__(self, x: int = 42) -> None:\n        self.x = x  # comment\n",
  "{\n  \"name\": \"jLLM\",\n  \"version\": \"0.1.0\",\n  \"tags\": [\"llm\", \"java\"],\n  \"nested\": {\"a\": 1, \"b\": [true, false, null]}\n}",
  "[{\"id\":1,\"v\":-3.5e-7},{\"id\":2,\"v\":1E+10}]",
  "if (x != null && x.length() > 0) { return x.substring(0, Math.min(10, x.length())); }",
  "SELECT id, name FROM users WHERE age >= 18 AND name LIKE '%son' ORDER BY id DESC;",
  "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }",
  "const f = async (x) => { await sleep(100); return x ?? 'default'; };",
  "<html>\n  <body>\n    <div class=\"a\">Hi &amp; bye</div>\n  </body>\n</html>",
  "    indented line\n        more indented\n\t\ttabbed\n  \n",
  "x = [1,2,3]\r\ny = {'a': 1}\r\n\r\nz = x + y\r\n",
  "a += b; a -= c; a *= d; a /= e; a %= f; a <<= 2; a >>>= 3; a ||= b; a ??= c;",
  "// TODO(fixme): handle edge-case\n/* block\n * comment\n */\n",
  "$ echo \"$HOME\" | grep -E '^/home/[a-z_]+$' && ls -la ~/.config 2>/dev/null",
];
const NUMBERS = ["0", "7", "42", "1234567890", "3.14159265358979323846", "1,000,000", "1.000.000,50",
  "-273.15", "6.022e23", "0x1F600", "007", "2024-01-15", "12:34:56", "99.99%", "1/2", "3rd", "21st", "1st-2nd",
  "12345678901234567890123456789012345678901234567890", "٠١٢٣٤٥٦٧٨٩", "१२३४५", "①②③", "Ⅻ", "½¾", "²³", "一二三",
  "１２３４５", "3,141,592.653", "+1 (555) 123-4567", "v1.2.3-rc.1+build.5"];
const WORDS = {
  zh: ["我想在apple工作", "今天天气很好", "机器学习", "中华人民共和国", "你好，世界！", "这是一个测试。", "人工智能正在改变世界"],
  ja: ["こんにちは世界", "東京は日本の首都です。", "カタカナとひらがな", "ｶﾀｶﾅ", "日本語の文章を書く", "すもももももももものうち"],
  ko: ["안녕하세요", "대한민국", "한국어 문장입니다.", "서울특별시", "감사합니다!"],
  ar: ["مرحبا بالعالم", "اللغة العربية", "السلام عليكم ورحمة الله", "كتاب", "مُحَمَّد"],
  hi: ["नमस्ते दुनिया", "हिन्दी भाषा", "क्षत्रिय", "भारत", "धन्यवाद!"],
  ru: ["Привет, мир!", "нещо на Български", "Съешь же ещё этих мягких французских булок", "ЁЛКА"],
  misc: ["Γειά σου Κόσμε", "שלום עולם", "สวัสดีชาวโลก", "កាន់តែពិសេសអាច", "Xin chào thế giới", "Tiếng Việt có dấu",
    "ሰላም ለዓለም", "Բարեւ աշխարհ", "გამარჯობა", "ᚠᛇᚻ᛫ᛒᛦᚦ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𝓗𝓮𝓵𝓵𝓸", "ｆｕｌｌｗｉｄｔｈ", "ǅungla"],
};
const EMOJI = ["😀", "🚀", "🦙🦙", "👍🏽", "👍🏿", "👨‍👩‍👧‍👦", "👩🏽‍💻", "🏳️‍🌈", "🏴‍☠️", "🇯🇵", "🇺🇸🇬🇧🇫🇷", "1️⃣", "#️⃣",
  "❤️", "☺️", "😶‍🌫️", "🧑🏻‍🤝‍🧑🏿", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "✅", "⭐", "🤷‍♂️", "🙇🏼‍♀️", "🫠", "🪿"];
const PUNCT = ["!", "?", "...", "!!!", "?!", "—", "–", "«»", "“”", "‘’", "()", "[]", "{}", "<>", "@#$%^&*", "~`|\\",
  "、。", "，", "！？", "«", "»", "•", "·", "…", "¿¡", "§¶", "©®™", "±×÷", "∑∫√∞≠≤≥", "→←↑↓", "★☆", "♪♫"];
const WHITESPACE = [" ", "  ", "   ", "    ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", "\r", " \n",
  "\n ", " \t ", "\u00A0", "\u3000", "\u2009", "\u2028", "\u000B", "\u000C", "\u0085", "\uFEFF", "\u200B", "\u202F"];
const CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve", "'M", "'LL", "'lL",
  "'D", "'x", "'", "''", "'''", "n't", "N'T"];
// Code point ranges for random characters: [from, to, weight].
const RANGES = [
  [0x20, 0x7e, 30], [0xa0, 0xff, 6], [0x100, 0x24f, 4], [0x300, 0x36f, 1], [0x370, 0x3ff, 2], [0x400, 0x4ff, 3],
  [0x590, 0x5ff, 1], [0x600, 0x6ff, 3], [0x900, 0x97f, 3], [0xe00, 0xe7f, 1], [0x1100, 0x11ff, 2],
  [0x1c80, 0x1c8f, 1], [0x1e00, 0x1eff, 2], [0x2000, 0x206f, 3], [0x20a0, 0x20cf, 1], [0x2100, 0x22ff, 2],
  [0x3000, 0x30ff, 4], [0x3400, 0x4dbf, 1], [0x4e00, 0x9fff, 6], [0xa7c0, 0xa7ff, 1], [0xac00, 0xd7a3, 4],
  [0xe000, 0xe0ff, 1], [0xfb00, 0xfb4f, 1], [0xfe00, 0xfe0f, 1], [0xff00, 0xffef, 2], [0xfff0, 0xffff, 1],
  [0x10000, 0x1007f, 1], [0x105c0, 0x105ff, 1], [0x10d40, 0x10d8f, 1], [0x11380, 0x113ff, 1], [0x13460, 0x1347f, 1],
  [0x16d40, 0x16d7f, 1], [0x1d400, 0x1d7ff, 2], [0x1e5d0, 0x1e5ff, 1], [0x1f300, 0x1faff, 5], [0x1f1e6, 0x1f1ff, 1],
  [0x20000, 0x2a6df, 2], [0xe0000, 0xe007f, 1], [0xd800, 0xdfff, 1],
];

function randomChar(r) {
  const total = RANGES.reduce((s, x) => s + x[2], 0);
  let w = r.int(total);
  for (const [from, to, weight] of RANGES) {
    if (w < weight) {
      return String.fromCodePoint(from + r.int(to - from + 1)); // 0xD800..0xDFFF gives lone surrogates
    }
    w -= weight;
  }
  throw new Error("unreachable");
}

function randomDigits(r) {
  const n = 1 + r.int(r.bool(0.2) ? 40 : 6);
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(48 + r.int(10));
  if (r.bool(0.2)) s += "." + String(r.int(100000));
  if (r.bool(0.1)) s = Number(s.split(".")[0].slice(0, 12) || "0").toLocaleString("en-US");
  return s;
}

const ALL_WORDS = Object.values(WORDS).flat();

function atom(r) {
  // Combining sequences (not NFC) are kept rare so that most random strings test one thing at a time.
  switch (r.bool(0.03) ? 10 : r.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13])) {
    case 0: return r.pick(ENGLISH).split(" ").slice(0, 1 + r.int(6)).join(" ");
    case 1: return r.pick(CODE).slice(0, 10 + r.int(60));
    case 2: return r.bool() ? r.pick(NUMBERS) : randomDigits(r);
    case 3: return r.pick(ALL_WORDS);
    case 4: return r.pick(EMOJI);
    case 5: return r.pick(PUNCT);
    case 6: return r.pick(WHITESPACE);
    case 7: return r.pick(CONTRACTIONS);
    case 8: return r.pick([...CONTROL, ...USER_DEFINED, ...LOOKALIKES]);
    case 9: { let s = ""; const n = 1 + r.int(8); for (let i = 0; i < n; i++) s += randomChar(r); return s; }
    case 10: return r.pick(["e\u0301", "a\u0308", "n\u0303", "A\u030A", "\u1100\u1161", "\u1100\u1161\u11A8",
      "o\u0302\u0301", "\u0301", "q\u0307\u0323", "\u212B", "\u2126", "\uFB01", "\u0958", ">\u0338", "=\u0338"]);
    case 11: { const w = r.pick(["hello", "WORLD", "Tokenizer", "x", "Straße", "año"]); return r.bool() ? w.toUpperCase() : w; }
    case 12: return r.pick(WHITESPACE).repeat(1 + r.int(4));
    default: return r.pick(["DON'T", "it'S", "we'RE", "They'Ve", "I'M", "you'LL", "he'D", "O'Neil", "'tis"]);
  }
}

function randomCase(r) {
  const n = 1 + r.int(10);
  let s = "";
  for (let i = 0; i < n; i++) {
    if (i > 0 && r.bool(0.5)) s += r.pick([" ", " ", " ", "", "\n", "  ", "\t", "\r\n"]);
    s += atom(r);
  }
  return s;
}

function handcrafted() {
  const cases = [];
  const add = (text, parseSpecial = false) => cases.push({ text, parseSpecial });
  const both = (text) => { add(text, false); add(text, true); };
  for (const s of [...ENGLISH, ...CODE, ...NUMBERS, ...ALL_WORDS, ...EMOJI, ...PUNCT, ...CONTRACTIONS]) add(s);
  for (const s of WHITESPACE) { add(s); add("a" + s + "b"); add("word" + s); add(s + "word"); }
  for (const s of [...CONTROL, ...USER_DEFINED, ...LOOKALIKES]) { both(s); both("x" + s + "y"); both(" " + s + "\n"); }
  both("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n");
  both("<|im_start|>assistant\n<think>\nLet me think.\n</think>\n\nThe answer is 42.<|im_end|>");
  both("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>");
  both("<|fim_prefix|>def f(x):\n    <|fim_suffix|>\n    return y<|fim_middle|>");
  both("<|repo_name|>jllm\n<|file_sep|>src/Main.java\nclass Main {}");
  both("a</s>b <s>c</s>");
  both("<|im_end|>\u0338");
  both("<|im_start|><|im_start|><|im_end|><think><think>");
  both("<|im_start|<|im_end|>|>");
  // The string llama.cpp's convert_hf_to_gguf_update.py hashes to recognise a pre-tokenizer.
  add("\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n🚀 (normal) 😶\u200d🌫️ (multiple emojis concatenated) ✅ 🦙🦙 3 33 333 3333 33333 333333 3333333 33333333 3.3 3..3 3...3 កាន់តែពិសេសអាច😁 ?我想在apple工作1314151天～ ------======= нещо на Български ''''''```````\"\"\"\"......!!!!!!?????? I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL");
  for (const s of ["", " ", "  ", "\n", " \n ", "\t\n\t", "a ", "a  ", "a \n", "a\n\n", " a", "  a", "   a  b   ",
    "trailing spaces   ", "trailing newlines\n\n\n", "\r\n\r\n\r\n", "line1\r\nline2\r\n", "\r\r\n\n\r",
    "x\u0085y", "x \u0085 y", "\uFEFFBOM at start", "zero\u200Bwidth", "nb\u00A0sp", "a\u3000b", "A\u2028B\u2029C"]) add(s);
  for (const s of ["e\u0301", "cafe\u0301", "Cafe\u0301 au lait", "\u1100\u1161\u11A8", "\u212B", "\u2126",
    "A\u030A\u0301", "\u0301\u0301\u0301", "a\u0327\u0301", "\uFB01nance", "\u0958", "\u0F73", "\u2ADC",
    "Zalgo: Z\u0351\u036B\u0343\u036A\u0302\u036B\u033D\u034F\u0334\u0319\u0324\u031E\u0349\u035A\u032F",
    "e\u0301\u0301", "\u00E9 vs e\u0301", "ｅ\u0301", "\u1E9B\u0323"]) add(s);
  for (const s of ["\uD800", "\uDC00", "a\uD800b", "\uDBFF\uDBFF", "\uDC00\uD800", "😀\uD83D", "\uDE00😀", "x\uD83D y",
    "\uD800\u0301", "'\uD800s"]) add(s);
  for (const s of ["\u1C89\u1C8A", "a\u1C89b", "\uA7CB\uA7CC", "𐗀𐗁", "𖵀𖵁", "\u{1CCF0}\u{1CCF1}", "\u{11BC0}", "x\u{16D40}y",
    "\u{10D40}\u{10D41}", "\u0870", "\u{1E4D0}", "\u{11F00}"]) add(s);
  for (const s of ["1", "12", "123", "1234", "12345", "1234567890123456789", "3.14", "3..3", "1,000,000",
    "0.000001", "1e-10", "٣", "३", "Ⅳ", "¼", "²"]) add(s);
  for (const s of ["DON'T", "it'S", "IT'S", "we'RE", "We'Ve", "you'LL", "I'M", "he'D", "'s", "'S", "'sS", "''s",
    "x's", "x 's", " 's", "'\u017F", "'Ll", "'lL", "'RE'VE", "don't won't can't shan't", "y'all'd've"]) add(s);
  add("a".repeat(300));
  add("ab".repeat(150));
  add("🙂".repeat(50));
  add("漢".repeat(200));
  add(" ".repeat(100) + "x");
  add("\n".repeat(50));
  add("-".repeat(120) + "=".repeat(40));
  add("9".repeat(500));
  return cases;
}

export function makeCorpus() {
  const cases = handcrafted();
  const r = rng(20240601);
  while (cases.length < 2400) {
    cases.push({ text: randomCase(r), parseSpecial: r.bool(0.5) });
  }
  return cases;
}

/** Random id sequences for decode checks; byteIds are the tokens of single bytes 0x80..0xFF. */
export function makeDecodeCases(byteIds, vocabSize, addedIds) {
  const r = rng(777);
  const cases = [];
  for (let i = 0; i < 400; i++) {
    const n = 1 + r.int(12);
    const ids = [];
    for (let k = 0; k < n; k++) {
      const kind = r.int(10);
      if (kind < 5) ids.push(r.pick(byteIds));
      else if (kind < 7) ids.push(r.int(vocabSize));
      else if (kind < 8) ids.push(r.pick(addedIds));
      else ids.push(r.int(256));
    }
    cases.push({ ids, renderSpecial: r.bool(0.7) });
  }
  return cases;
}
