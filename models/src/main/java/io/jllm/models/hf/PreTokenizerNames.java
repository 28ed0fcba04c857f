package io.jllm.models.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * Names the {@code tokenizer.ggml.pre} value for a tokenizer.json's pre-tokenizer.
 *
 * <p>convert_hf_to_gguf.py's {@code get_vocab_base_pre} runs the Hugging Face tokenizer on a check
 * text and looks the hash of the result up in a table. jLLM cannot run that tokenizer, so it
 * recognises the pre-tokenizer by its definition instead: a {@code Sequence} of a {@code Split} with a
 * known regex followed by a byte-level step that does no splitting of its own. Only the definitions
 * listed here are recognised; anything else is an error rather than a guess.
 */
final class PreTokenizerNames {
    /** Qwen2/Qwen2.5/Qwen3's split regex, as in their tokenizer.json (llama.cpp calls this "qwen2"). */
    static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final Map<String, String> BY_REGEX = Map.of(QWEN2_REGEX, "qwen2");

    private PreTokenizerNames() {
    }

    /** The llama.cpp pre-tokenizer name; a TokenizerFormatException saying what was found otherwise. */
    static String identify(JsonNode preTokenizer, String source) throws TokenizerFormatException {
        JsonNode steps = preTokenizer.path("pretokenizers");
        if ("Sequence".equals(preTokenizer.path("type").asText()) && steps.size() == 2
                && "Split".equals(steps.get(0).path("type").asText())
                && "ByteLevel".equals(steps.get(1).path("type").asText())
                && !steps.get(1).path("use_regex").asBoolean(true)) {
            String name = BY_REGEX.get(steps.get(0).path("pattern").path("Regex").asText());
            if (name != null) {
                return name;
            }
        }
        throw new TokenizerFormatException(source + ": pre_tokenizer: not one jLLM recognises (known: "
                + BY_REGEX.values() + "); found " + abbreviate(preTokenizer.toString()));
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}
