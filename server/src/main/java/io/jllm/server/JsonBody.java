package io.jllm.server;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Reads a request body as one JSON object, straight from the connection into Jackson's tree, and
 * enforces {@code --max-body} while it reads.
 *
 * <p>The limit is checked here rather than only by Helidon's {@code maxPayloadSize} because Helidon
 * refuses an over-long Content-Length before anything reads the body and then closes the socket with
 * the body still unread; the kernel answers that close with a reset, which can destroy the 413 before
 * the client reads it (ErrorsTest saw it about once in six runs). So a body over the limit is read on
 * and discarded, up to {@link #DRAIN_BYTES} more, and only then refused: the client gets its 413 and
 * the connection can stay open. A body whose declared length is over the limit is refused without
 * parsing (read out the same way), so it gets 413 even where its first bytes are not JSON. Helidon's
 * own limit stays as the hard cap past that allowance.
 */
final class JsonBody {
    /** How much of an over-long body is read and discarded so the 413 arrives intact. */
    static final long DRAIN_BYTES = 1 << 20;

    private final long limit;

    JsonBody(long limit) {
        this.limit = limit;
    }

    /** Helidon's limit: bodies this long are cut off before any handler runs (and may be reset). */
    long hardLimit() {
        return limit + 2 * DRAIN_BYTES;
    }

    ObjectNode read(ServerRequest req, ServerResponse res) {
        if (!req.content().hasEntity()) {
            throw ApiError.invalid(null, "the request has no body; send a JSON object (Content-Type: application/json)");
        }
        JsonNode node;
        try (InputStream raw = req.content().inputStream(); Limited in = new Limited(raw, limit)) {
            if (req.headers().contentLength().orElse(0) > limit) {
                // Too long by its own account: refused as too long whatever it holds, rather than as
                // malformed because its first bytes happen not to parse.
                throw tooLarge(raw, limit + DRAIN_BYTES, res);
            }
            try {
                node = Json.MAPPER.readTree(in);
                // Read the entity to its end, so nothing of it is left on the connection.
                in.transferTo(OutputStream.nullOutputStream());
            } catch (OverLimit e) {
                throw tooLarge(raw, DRAIN_BYTES, res);
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw ApiError.invalid(null, "malformed JSON in the request body" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            // The client went away while sending: nobody to answer.
            throw new CloseConnectionException("reading the request body failed", e);
        }
        if (node == null || node.isMissingNode()) {
            throw ApiError.invalid(null, "the request body is empty; send a JSON object");
        }
        if (!node.isObject()) {
            throw ApiError.invalid(null, "the request body must be a JSON object, got " + Fields.describe(node));
        }
        return (ObjectNode) node;
    }

    /**
     * Reads out up to {@code allowance} more bytes and gives the refusal of a body too long: the same
     * total (the limit and {@link #DRAIN_BYTES}) is read whether the length was declared or found
     * while parsing.
     */
    private ApiError tooLarge(InputStream raw, long allowance, ServerResponse res) throws IOException {
        if (!drain(raw, allowance)) {
            // Still more coming: do not read forever; the connection ends with this answer.
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        return ApiError.bodyTooLarge(limit);
    }

    /** Reads and discards up to {@code allowance} bytes; true when the body ended within them. */
    private static boolean drain(InputStream in, long allowance) throws IOException {
        byte[] sink = new byte[8192];
        long left = allowance;
        while (left > 0) {
            int n = in.read(sink, 0, (int) Math.min(sink.length, left));
            if (n < 0) {
                return true;
            }
            left -= n;
        }
        return in.read() < 0;
    }

    /** Thrown by {@link Limited} at the first byte past the limit. */
    private static final class OverLimit extends IOException {
        OverLimit() {
            super("request body over the limit");
        }
    }

    /** Counts what passes and fails at the first byte past the limit; closing it leaves the source open. */
    private static final class Limited extends FilterInputStream {
        private long left;

        Limited(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0 && --left < 0) {
                throw new OverLimit();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0 && (left -= n) < 0) {
                throw new OverLimit();
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // Skipped bytes count too: read them rather than let the source skip past the limit.
            byte[] sink = new byte[(int) Math.min(8192, Math.max(n, 1))];
            int got = n <= 0 ? 0 : read(sink, 0, (int) Math.min(sink.length, n));
            return Math.max(got, 0);
        }

        @Override
        public void close() {
            // The raw stream is closed by its own try-with-resources.
        }
    }
}
