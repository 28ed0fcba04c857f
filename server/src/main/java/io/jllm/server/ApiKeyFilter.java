package io.jllm.server;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * With {@code --api-key}, every endpoint except {@code GET /health} (so load balancers can probe it)
 * requires {@code Authorization: Bearer <key>}, as OpenAI's API does; others get 401.
 */
final class ApiKeyFilter implements Filter {
    private final byte[] expected;

    ApiKeyFilter(String apiKey) {
        this.expected = ("Bearer " + apiKey).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (req.prologue().method() == Method.GET && "/health".equals(req.path().path())) {
            chain.proceed();
            return;
        }
        String given = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
        // Constant-time comparison, so response timing does not reveal how much of a guess was right.
        if (given == null || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
            ErrorResponses.send(res, ApiError.unauthorized(given == null
                    ? "missing API key: send the header 'Authorization: Bearer <key>' (the server runs with --api-key)"
                    : "invalid API key in the Authorization header"));
            return;
        }
        chain.proceed();
    }
}
