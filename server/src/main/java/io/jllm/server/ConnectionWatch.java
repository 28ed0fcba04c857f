package io.jllm.server;

import io.helidon.common.socket.HelidonSocket;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.io.UncheckedIOException;

/**
 * Notices that the client of a non-streaming request went away while its answer is being generated,
 * so the generation is cancelled at once instead of running to the end for nobody.
 *
 * <p>What Helidon 4 SE offers (read in its 4.3 sources): a handler sees no connection state, and a
 * closed connection shows only when the server reads or writes it; Helidon itself does neither while
 * a handler runs (issue helidon-io/helidon#10834 asks for it). {@code HelidonSocket.idle()} and
 * {@code isConnected()} exist for the client's connection pool, but on a server socket (no read
 * timeout set) idle() declares the peer gone after its first 101 ms read slice and leaves that
 * 101 ms timeout on the socket, so it cannot be used here.
 *
 * <p>What this does instead: an HTTP/1 receive listener (public SPI, {@link Http1ConnectionListener})
 * remembers the {@link ConnectionContext} of the request being routed on its thread (Helidon routes a
 * request on the connection's own virtual thread). While the request's answer is being generated, a
 * virtual thread reads that connection: an HTTP/1.1 client sends nothing while it waits for a
 * response, so the read ends only when the client closes the connection (end of stream or reset),
 * which cancels the generation. A watched response is sent with {@code Connection: close} and the
 * connection is closed after it, because the watcher's pending read cannot be withdrawn and must not
 * compete with the next request's.
 */
final class ConnectionWatch implements AutoCloseable {
    private static final ThreadLocal<ConnectionContext> ROUTED = new ThreadLocal<>();

    private final HelidonSocket socket;
    private final Thread reader;
    private volatile boolean done;
    private volatile boolean gone;

    private ConnectionWatch(HelidonSocket socket, Runnable onClientGone) {
        this.socket = socket;
        this.reader = Thread.ofVirtual().name("jllm-connection-watch").start(() -> {
            try {
                while (socket.get() != null) {
                    // Bytes from a client that pipelines: not a disconnect; the connection closes after
                    // this response anyway, so they are dropped.
                }
            } catch (UncheckedIOException | IllegalStateException e) {
                // A reset connection, or the socket closed by close() below.
            }
            if (!done) {
                gone = true;
                onClientGone.run();
            }
        });
    }

    /** The listener to install in Helidon's HTTP/1 configuration. */
    static Http1ConnectionListener listener() {
        return new Http1ConnectionListener() {
            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                ROUTED.set(ctx);
            }
        };
    }

    /**
     * Starts watching the connection of the request routed on this thread, calling {@code onClientGone}
     * if the client disconnects; marks {@code res} to close the connection after it is sent. Returns
     * null (and watches nothing) when the connection is unknown.
     */
    static ConnectionWatch start(ServerResponse res, Runnable onClientGone) {
        ConnectionContext ctx = ROUTED.get();
        if (ctx == null) {
            return null;
        }
        HelidonSocket socket;
        try {
            socket = ctx.serverSocket();
        } catch (UnsupportedOperationException e) {
            return null;
        }
        res.header(HeaderValues.CONNECTION_CLOSE);
        return new ConnectionWatch(socket, onClientGone);
    }

    /** Whether the client went away while watched (then there is nobody to answer). */
    boolean clientGone() {
        return gone;
    }

    /** Stops watching: closes the connection (the response has been sent) and waits for the reader. */
    @Override
    public void close() {
        done = true;
        try {
            socket.close();
        } catch (UncheckedIOException e) {
            // already closed by the client
        }
        try {
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
