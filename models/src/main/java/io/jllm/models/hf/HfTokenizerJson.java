package io.jllm.models.hf;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The parts of a Hugging Face {@code tokenizer.json} that the GGUF conversion needs, read with a
 * streaming parser so the 150k-entry vocabulary and merge list never become a JSON tree.
 *
 * @param source        name used in error messages
 * @param modelType     {@code model.type}, e.g. "BPE"
 * @param vocabById     token text by id for {@code model.vocab} (null where the id is unused)
 * @param vocabCount    entries in {@code model.vocab}
 * @param merges        {@code model.merges} as "left right" strings, file order
 * @param addedTokens   {@code added_tokens}, file order
 * @param normalizer    {@code normalizer} (a NullNode if absent)
 * @param preTokenizer  {@code pre_tokenizer} (a NullNode if absent)
 * @param postProcessor {@code post_processor} (a NullNode if absent)
 */
public record HfTokenizerJson(String source, String modelType, String[] vocabById, int vocabCount, String[] merges,
                              List<AddedToken> addedTokens, JsonNode normalizer, JsonNode preTokenizer,
                              JsonNode postProcessor) {

    /** One entry of {@code added_tokens}. */
    public record AddedToken(int id, String content, boolean special, boolean normalized) {
    }

    /** Vocabulary tokens arrive as 150k distinct field names: interning them would only cost time. */
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .build());

    /** Highest id of any vocabulary or added token, or -1 if there are none. */
    public int maxId() {
        int max = vocabById.length - 1; // trimmed to the highest vocabulary id when parsed
        for (AddedToken t : addedTokens) {
            max = Math.max(max, t.id());
        }
        return max;
    }

    public static HfTokenizerJson parse(InputStream in, String source) throws IOException {
        try (JsonParser p = MAPPER.getFactory().createParser(in)) {
            return new Reader(p, source).read();
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(source + ": not valid JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr(), e);
        }
    }

    /** One parse; holds the parser and what it has collected. */
    private static final class Reader {
        private final JsonParser p;
        private final String source;
        private String modelType;
        private String[] vocab = new String[1 << 16];
        private int vocabCount;
        private final List<String> merges = new ArrayList<>();
        private final List<AddedToken> added = new ArrayList<>();
        private JsonNode normalizer = NullNode.getInstance();
        private JsonNode preTokenizer = NullNode.getInstance();
        private JsonNode postProcessor = NullNode.getInstance();
        private boolean sawModel;

        Reader(JsonParser p, String source) {
            this.p = p;
            this.source = source;
        }

        HfTokenizerJson read() throws IOException {
            expect(p.nextToken(), JsonToken.START_OBJECT, "the top level");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "model" -> readModel();
                    case "added_tokens" -> readAddedTokens();
                    case "normalizer" -> normalizer = MAPPER.readTree(p);
                    case "pre_tokenizer" -> preTokenizer = MAPPER.readTree(p);
                    case "post_processor" -> postProcessor = MAPPER.readTree(p);
                    default -> p.skipChildren();
                }
            }
            if (!sawModel) {
                throw error("model", "missing; a tokenizer.json always has a \"model\" object");
            }
            return new HfTokenizerJson(source, modelType, Arrays.copyOf(vocab, highestVocabId() + 1), vocabCount,
                    merges.toArray(String[]::new), List.copyOf(added), normalizer, preTokenizer, postProcessor);
        }

        private int highestVocabId() {
            int max = vocab.length - 1;
            while (max >= 0 && vocab[max] == null) {
                max--;
            }
            return max;
        }

        private void readModel() throws IOException {
            expect(p.currentToken(), JsonToken.START_OBJECT, "model");
            sawModel = true;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "type" -> {
                        expect(value, JsonToken.VALUE_STRING, "model.type");
                        modelType = p.getText();
                    }
                    case "vocab" -> readVocab();
                    case "merges" -> readMerges();
                    default -> p.skipChildren();
                }
            }
        }

        private void readVocab() throws IOException {
            expect(p.currentToken(), JsonToken.START_OBJECT, "model.vocab");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String token = p.currentName();
                JsonToken value = p.nextToken();
                if (value != JsonToken.VALUE_NUMBER_INT) {
                    throw error("model.vocab[\"" + token + "\"]", "expected an integer id, found " + value);
                }
                long id = p.getLongValue();
                if (id < 0 || id > Integer.MAX_VALUE - 8) {
                    throw error("model.vocab[\"" + token + "\"]", "id " + id + " is out of range");
                }
                int i = (int) id;
                if (i >= vocab.length) {
                    vocab = Arrays.copyOf(vocab, Math.max(i + 1, vocab.length * 2));
                }
                if (vocab[i] != null) {
                    throw error("model.vocab[\"" + token + "\"]", "id " + i + " is also used by \"" + vocab[i] + "\"");
                }
                vocab[i] = token;
                vocabCount++;
            }
        }

        /**
         * Merges come as "a b" strings (older files) or as ["a", "b"] pairs (transformers 4.45+). Like
         * gguf-py's SpecialVocab, pairs are joined with a space after re-encoding any literal space
         * inside a part as U+0120, so the "a b" form stays unambiguous.
         */
        private void readMerges() throws IOException {
            expect(p.currentToken(), JsonToken.START_ARRAY, "model.merges");
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                int index = merges.size();
                if (t == JsonToken.VALUE_STRING) {
                    merges.add(p.getText());
                } else if (t == JsonToken.START_ARRAY) {
                    String left = mergePart(index);
                    String right = mergePart(index);
                    if (p.nextToken() != JsonToken.END_ARRAY) {
                        throw error("model.merges[" + index + "]", "expected a pair of strings, found more elements");
                    }
                    merges.add(left + ' ' + right);
                } else {
                    throw error("model.merges[" + index + "]", "expected a string or a pair of strings, found " + t);
                }
            }
        }

        private String mergePart(int index) throws IOException {
            JsonToken t = p.nextToken();
            if (t != JsonToken.VALUE_STRING) {
                throw error("model.merges[" + index + "]", "expected a pair of strings, found " + t);
            }
            return p.getText().replace(' ', '\u0120');
        }

        private void readAddedTokens() throws IOException {
            expect(p.currentToken(), JsonToken.START_ARRAY, "added_tokens");
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String where = "added_tokens[" + added.size() + "]";
                JsonNode node = MAPPER.readTree(p);
                JsonNode id = node.get("id");
                JsonNode content = node.get("content");
                if (id == null || !id.canConvertToInt() || id.asInt() < 0) {
                    throw error(where + ".id", "missing or not a non-negative integer");
                }
                if (content == null || !content.isTextual()) {
                    throw error(where + ".content", "missing or not a string");
                }
                added.add(new AddedToken(id.asInt(), content.asText(), node.path("special").asBoolean(false),
                        node.path("normalized").asBoolean(false)));
            }
        }

        private void expect(JsonToken found, JsonToken wanted, String field) throws TokenizerFormatException {
            if (found != wanted) {
                throw error(field, "expected " + describe(wanted) + ", found " + (found == null ? "end of input" : describe(found)));
            }
        }

        private static String describe(JsonToken t) {
            return switch (t) {
                case START_OBJECT -> "an object";
                case START_ARRAY -> "an array";
                case VALUE_STRING -> "a string";
                case VALUE_NUMBER_INT -> "an integer";
                default -> t.toString();
            };
        }

        private TokenizerFormatException error(String field, String problem) {
            return new TokenizerFormatException(source + ": " + field + ": " + problem
                    + " (line " + p.currentLocation().getLineNr() + ")");
        }
    }
}
