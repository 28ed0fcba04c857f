package io.jllm.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpException;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;

/** Writes every error the server sends, whoever detects it, as an OpenAI-style JSON body. */
final class ErrorResponses {
    private static final System.Logger LOG = System.getLogger(ErrorResponses.class.getName());

    private ErrorResponses() {
    }

    static ObjectNode body(ApiError e) {
        ObjectNode error = Json.object();
        error.put("message", e.getMessage());
        error.put("type", e.type());
        error.put("param", e.param());
        error.put("code", e.code());
        ObjectNode body = Json.object();
        body.set("error", error);
        return body;
    }

    static void send(ServerResponse res, ApiError e) {
        res.status(Status.create(e.status()));
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        if (e.retryAfterSeconds() > 0) {
            res.header(HeaderNames.RETRY_AFTER, Integer.toString(e.retryAfterSeconds()));
        }
        if (e.status() == 401) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        res.send(Json.bytes(body(e)));
    }

    /** Error handlers for the routing: API errors as they are, anything else as a logged 500. */
    static void register(HttpRouting.Builder routing) {
        routing.error(ApiError.class, (req, res, e) -> send(res, e));
        // Helidon's own refusals (no such route: 404, wrong method...) keep their status.
        routing.error(HttpException.class, (req, res, e) -> send(res, e.status().code() == 404
                ? ApiError.notFound("no endpoint " + req.prologue().method().text() + " " + req.path().path()
                        + "; jLLM serves POST /v1/chat/completions, /v1/completions, /generate, /tokenize,"
                        + " /detokenize and GET /v1/models, /health, /metrics")
                : new ApiError(e.status().code(), e.status().code() >= 500 ? "server_error" : "invalid_request_error",
                        null, null, e.getMessage(), 0)));
        routing.error(RuntimeException.class, (req, res, e) -> {
            LOG.log(System.Logger.Level.ERROR, "unexpected failure on " + req.prologue().method().text() + " "
                    + req.path().path(), e);
            send(res, ApiError.internal("internal error: " + e));
        });
    }

    /**
     * Errors Helidon answers before any handler runs (unparseable HTTP, a body far over --max-body: see
     * {@link JsonBody}) get the same JSON shape.
     */
    static DirectHandlers directHandlers(long maxBodyBytes) {
        DirectHandler json = (request, eventType, status, headers, message) -> {
            ApiError e = status.code() == 413
                    ? ApiError.bodyTooLarge(maxBodyBytes)
                    : new ApiError(status.code(), status.code() >= 500 ? "server_error" : "invalid_request_error",
                            null, null, message == null || message.isBlank() ? status.reasonPhrase() : message, 0);
            ServerResponseHeaders h = headers;
            h.set(HeaderValues.CONTENT_TYPE_JSON);
            return DirectHandler.TransportResponse.builder()
                    .status(status)
                    .headers(h)
                    .entity(Json.bytes(body(e)))
                    .build();
        };
        return DirectHandlers.builder()
                .addHandler(DirectHandler.EventType.BAD_REQUEST, json)
                .addHandler(DirectHandler.EventType.PAYLOAD_TOO_LARGE, json)
                .build();
    }
}
