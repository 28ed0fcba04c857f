package io.jllm.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 client on a bare socket, so a test can read part of a response and then vanish: close
 * the connection (FIN) or reset it (RST) at a point of its choosing.
 */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final StringBuilder received = new StringBuilder();
    private boolean ended;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /** Sends a POST with a JSON body and returns at once. */
    static RawClient post(int port, String path, String json) {
        try {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(60_000);
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return new RawClient(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads until the response holds {@code n} SSE data events; false if it ended before. */
    boolean awaitEvents(int n) {
        return await("data: ", n);
    }

    /** Reads until the response holds {@code n} copies of {@code text}; false if it ended before. */
    boolean await(String text, int n) {
        byte[] buf = new byte[4096];
        try {
            while (count(text) < n) {
                if (ended) {
                    return false;
                }
                int r = in.read(buf);
                if (r < 0) {
                    ended = true;
                } else {
                    received.append(new String(buf, 0, r, StandardCharsets.ISO_8859_1));
                }
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the whole response (until the server closes the connection). */
    String readToEnd() {
        await("data: ", Integer.MAX_VALUE);
        return received();
    }

    /** What was read so far, as text. */
    String received() {
        return new String(received.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    private int count(String s) {
        int n = 0;
        for (int i = received.indexOf(s); i >= 0; i = received.indexOf(s, i + 1)) {
            n++;
        }
        return n;
    }

    /** Vanishes abruptly: the connection is reset (RST) instead of closed. */
    void reset() {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
