package io.jllm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent-events response: {@code data: <json>} events and {@code : ping} comments, each
 * flushed to the client as it is written (one HTTP chunk per event). JSON is generated straight into
 * the response stream. A failed write means the client is gone: every later call returns false.
 */
final class EventStream {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    /** Writes one JSON value. */
    interface JsonWriter {
        void write(JsonGenerator g) throws IOException;
    }

    private final OutputStream out;
    private boolean broken;

    private EventStream(OutputStream out) {
        this.out = out;
    }

    static EventStream open(ServerResponse res) {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        // Tells nginx-style proxies not to buffer the stream.
        res.header("X-Accel-Buffering", "no");
        return new EventStream(res.outputStream());
    }

    /** Writes {@code data: <json>}; false once the client is gone. */
    boolean event(JsonWriter json) {
        return write(() -> {
            out.write(DATA);
            try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
                json.write(g);
            }
            out.write(END);
        });
    }

    boolean event(JsonNode node) {
        return event(g -> Json.MAPPER.writeTree(g, node));
    }

    /** A comment line: keeps the connection busy during long prefills, and finds out whether the client is still there. */
    boolean ping() {
        return raw(PING);
    }

    /** OpenAI's end of stream marker, {@code data: [DONE]}. */
    boolean done() {
        return raw(DONE);
    }

    boolean broken() {
        return broken;
    }

    /** Ends the response (the terminating chunk); a client already gone is not an error. */
    void close() {
        try {
            out.close();
        } catch (IOException | UncheckedIOException | CloseConnectionException e) {
            broken = true;
        }
    }

    private boolean raw(byte[] bytes) {
        return write(() -> out.write(bytes));
    }

    /** An I/O action on the response stream. */
    private interface Write {
        void run() throws IOException;
    }

    /** Runs {@code write} and flushes it to the client as one chunk; false (from now on) if the client is gone. */
    private boolean write(Write write) {
        if (broken) {
            return false;
        }
        try {
            write.run();
            out.flush();
            return true;
        } catch (IOException | UncheckedIOException | CloseConnectionException e) {
            broken = true;
            return false;
        }
    }
}
