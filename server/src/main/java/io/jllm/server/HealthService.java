package io.jllm.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /health}: 200 {@code {"status": "ok"}} once the model is ready; 503 with status
 * {@code loading}, {@code error} (and why) or {@code shutting down} otherwise. Never needs the API key.
 */
final class HealthService implements HttpService {
    private final ServedModel model;

    HealthService(ServedModel model) {
        this.model = model;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/health", this::health);
    }

    private void health(ServerRequest req, ServerResponse res) {
        ObjectNode out = Json.object();
        ServedModel.State state = model.state();
        switch (state) {
            case READY -> out.put("status", "ok");
            case LOADING -> out.put("status", "loading");
            case STOPPING -> out.put("status", "shutting down");
            case FAILED -> out.put("status", "error").put("error", model.failure());
        }
        res.status(state == ServedModel.State.READY ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503);
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(Json.bytes(out));
    }
}
