package io.jllm.server;

/**
 * A request the server answers with an error, in OpenAI's shape:
 * {@code {"error": {"message", "type", "param", "code"}}}. Handlers throw it; {@link ErrorResponses} writes it.
 */
final class ApiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final int retryAfterSeconds;

    ApiError(int status, String type, String param, String code, String message, int retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: a field (or the body, when {@code param} is null) is wrong. */
    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, null, message, 0);
    }

    /** 400: the prompt and the tokens asked for do not fit the context. */
    static ApiError contextLength(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, "context_length_exceeded", message, 0);
    }

    static ApiError unauthorized(String message) {
        return new ApiError(401, "invalid_request_error", null, "invalid_api_key", message, 0);
    }

    static ApiError notFound(String message) {
        return new ApiError(404, "invalid_request_error", null, "not_found", message, 0);
    }

    /** A request body over {@code --max-body}, whoever found it (Helidon or {@link JsonBody}). */
    static ApiError bodyTooLarge(long maxBodyBytes) {
        return new ApiError(413, "invalid_request_error", null, "request_too_large",
                "the request body is larger than the server's limit of " + maxBodyBytes + " bytes (--max-body)", 0);
    }

    /** 503 with Retry-After: the server cannot take the request now but will later. */
    static ApiError unavailable(String code, String message, int retryAfterSeconds) {
        return new ApiError(503, "server_error", null, code, message, retryAfterSeconds);
    }

    static ApiError internal(String message) {
        return new ApiError(500, "server_error", null, null, message, 0);
    }

    int status() {
        return status;
    }

    String type() {
        return type;
    }

    String param() {
        return param;
    }

    String code() {
        return code;
    }

    int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
