package io.jllm.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine against the parity fixture (oracle/tokenizer/make-fixture.mjs): Hugging Face ids for
 * every string, and where llama.cpp disagrees, the ids the engine must produce and why (README.md
 * next to the fixture, and package-info).
 */
class Qwen3ParityTest {
    /** Every reason the fixture may give for an HF/llama.cpp disagreement; package-info documents each. */
    private static final Set<String> DOCUMENTED = Set.of("nfc", "eog-name-rule", "fim-control", "js-whitespace",
            "unicode-version", "skip-control");

    private static JsonNode fixture;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = Qwen3ParityTest.class.getResourceAsStream("qwen3-parity.json.gz")) {
            fixture = new ObjectMapper().readTree(new GZIPInputStream(in));
        }
        tokenizer = Qwen3Tokenizers.tokenizer();
    }

    @Test
    void corpusIsLargeAndVaried() {
        JsonNode cases = fixture.get("cases");
        assertTrue(cases.size() >= 2000, "corpus has " + cases.size() + " strings");
        long special = 0;
        long plain = 0;
        for (JsonNode c : cases) {
            if (c.get("parseSpecial").asBoolean()) {
                special++;
            } else {
                plain++;
            }
        }
        assertTrue(special > 500 && plain > 500, special + " with parseSpecial, " + plain + " without");
    }

    @Test
    void everyDisagreementIsADocumentedOne() {
        for (JsonNode c : iterable(fixture.get("cases"), fixture.get("decodeCases"))) {
            if (c.has("why")) {
                for (JsonNode w : c.get("why")) {
                    assertTrue(DOCUMENTED.contains(w.asText()), "undocumented disagreement " + w + " for " + c);
                }
            }
        }
    }

    @Test
    void encodeMatchesTheFixtureForEveryString() {
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (JsonNode c : fixture.get("cases")) {
            String text = c.get("text").asText();
            boolean parseSpecial = c.get("parseSpecial").asBoolean();
            int[] expected = ints(c.has("engine") ? c.get("engine") : c.get("hf"));
            int[] actual = tokenizer.encode(text, parseSpecial);
            n++;
            if (!Arrays.equals(expected, actual)) {
                failures.add(describe(text) + " parseSpecial=" + parseSpecial + "\n  expected " + Arrays.toString(expected)
                        + "\n  actual   " + Arrays.toString(actual));
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + n + " strings differ, first ones:\n"
                    + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
        }
    }

    @Test
    void decodeOfEncodeGivesValidTextBack() {
        List<String> failures = new ArrayList<>();
        for (JsonNode c : fixture.get("cases")) {
            String text = c.get("text").asText();
            if (!Normalizer.isNormalized(text, Normalizer.Form.NFC)) {
                continue; // the text comes back NFC-normalized, by design
            }
            String valid = Tokenizer.withoutLoneSurrogates(text);
            String back = tokenizer.decode(tokenizer.encode(text, c.get("parseSpecial").asBoolean()));
            if (!valid.equals(back)) {
                failures.add(describe(text) + " came back as " + describe(back));
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void decodeMatchesTheFixture() {
        List<String> failures = new ArrayList<>();
        for (JsonNode d : fixture.get("decodeCases")) {
            int[] ids = ints(d.get("ids"));
            boolean render = d.get("renderSpecial").asBoolean();
            String expected = d.has("llama") ? d.get("llama").asText() : d.get("hf").asText();
            String actual = tokenizer.decode(ids, render);
            if (!expected.equals(actual)) {
                failures.add(Arrays.toString(ids) + " renderSpecial=" + render + ": expected " + describe(expected)
                        + ", got " + describe(actual));
            }
        }
        assertEquals(List.of(), failures);
    }

    private static List<JsonNode> iterable(JsonNode... arrays) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode a : arrays) {
            a.forEach(all::add);
        }
        return all;
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** The text with every non-printable-ASCII char escaped, so failures are readable. */
    static String describe(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
                b.append(c);
            } else {
                b.append(String.format("\\u%04X", (int) c));
            }
        }
        return b.append('"').toString();
    }
}
