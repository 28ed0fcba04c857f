package io.jllm.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.jllm.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;

/**
 * {@code POST /tokenize} and {@code POST /detokenize}, in llama-server's shapes:
 * {@code {content, add_special?, parse_special?, with_pieces?}} → {@code {tokens}} and {@code {tokens}} →
 * {@code {content}}.
 */
final class TokenizeService implements HttpService {
    private final ServedModel model;
    private final JsonBody bodies;

    TokenizeService(ServedModel model, JsonBody bodies) {
        this.model = model;
        this.bodies = bodies;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/tokenize", this::tokenize)
                .post("/detokenize", this::detokenize);
    }

    private void tokenize(ServerRequest req, ServerResponse res) {
        ObjectNode body = bodies.read(req, res);
        String content = Fields.optString(body, "content");
        if (content == null) {
            throw ApiError.invalid("content", "content is required: the text to tokenize");
        }
        boolean addSpecial = Boolean.TRUE.equals(Fields.optBool(body, "add_special"));
        boolean parseSpecial = !Boolean.FALSE.equals(Fields.optBool(body, "parse_special"));
        boolean withPieces = Boolean.TRUE.equals(Fields.optBool(body, "with_pieces"));
        Tokenizer tokenizer = model.engine().tokenizer();
        int[] ids = tokenizer.encode(content, addSpecial, parseSpecial);
        ObjectNode out = Json.object();
        ArrayNode tokens = out.putArray("tokens");
        for (int id : ids) {
            if (withPieces) {
                ObjectNode t = tokens.addObject();
                t.put("id", id);
                byte[] piece = tokenizer.tokenBytes(id);
                String text = new String(piece, StandardCharsets.UTF_8);
                // A piece that is part of a multi-byte character is not text: show its bytes, as llama-server does.
                if (text.indexOf('\uFFFD') >= 0) {
                    ArrayNode bytes = t.putArray("piece");
                    for (byte b : piece) {
                        bytes.add(b & 0xFF);
                    }
                } else {
                    t.put("piece", text);
                }
            } else {
                tokens.add(id);
            }
        }
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(Json.bytes(out));
    }

    private void detokenize(ServerRequest req, ServerResponse res) {
        ObjectNode body = bodies.read(req, res);
        ArrayNode tokens = Fields.optArray(body, "tokens", "tokens");
        if (tokens == null) {
            throw ApiError.invalid("tokens", "tokens is required: an array of token ids");
        }
        Tokenizer tokenizer = model.engine().tokenizer();
        int[] ids = Prompts.tokenIds(tokens, "tokens", tokenizer.vocabSize());
        ObjectNode out = Json.object();
        out.put("content", tokenizer.decode(ids, true));
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(Json.bytes(out));
    }
}
