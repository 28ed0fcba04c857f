package io.jllm.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.jllm.engine.api.InferenceEngine;

/** {@code GET /v1/models}: the one model served, in OpenAI's list shape, with llama-server's {@code meta}. */
final class ModelsService implements HttpService {
    private final ServedModel model;
    private final long created = OpenAi.now();

    ModelsService(ServedModel model) {
        this.model = model;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/v1/models", this::list);
    }

    private void list(ServerRequest req, ServerResponse res) {
        InferenceEngine engine = model.engine();
        ObjectNode out = Json.object();
        out.put("object", "list");
        ObjectNode m = out.putArray("data").addObject();
        m.put("id", model.id());
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "jllm");
        ObjectNode meta = m.putObject("meta");
        meta.put("name", engine.modelName());
        meta.put("n_ctx", engine.contextLength());
        meta.put("n_vocab", engine.tokenizer().vocabSize());
        meta.put("demo", model.id().equals(ServedModel.DEMO_ID));
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(Json.bytes(out));
    }
}
