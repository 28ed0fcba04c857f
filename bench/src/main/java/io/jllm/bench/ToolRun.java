package io.jllm.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external tool to completion with a time limit, capturing both output streams. */
public final class ToolRun {
    /** What the tool printed and how it ended. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** The last lines of standard error, for an error message. */
        public String stderrTail(int lines) {
            String[] all = stderr.strip().split("\n");
            int from = Math.max(0, all.length - lines);
            return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
        }
    }

    private ToolRun() {
    }

    public static Result run(List<String> command, Duration limit) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread outReader = Thread.ofVirtual().start(() -> drain(process.getInputStream(), out));
        Thread errReader = Thread.ofVirtual().start(() -> drain(process.getErrorStream(), err));
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new IOException(command.getFirst() + " did not finish within " + limit.toSeconds()
                        + " s and was killed; command: " + String.join(" ", command));
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
        outReader.join();
        errReader.join();
        return new Result(process.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void drain(InputStream in, ByteArrayOutputStream sink) {
        try (in) {
            in.transferTo(sink);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
