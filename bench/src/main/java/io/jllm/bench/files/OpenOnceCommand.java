package io.jllm.bench.files;

import io.jllm.engine.model.Qwen3Model;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Hidden: opens a model once in this (fresh) JVM and prints how long that took, for {@code files}. */
@Command(name = OpenOnceCommand.NAME, hidden = true, description = "Internal: one cold open for the files benchmark.")
public final class OpenOnceCommand implements Callable<Integer> {
    static final String NAME = "files-open-once";

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    /** What the child reports: the open itself, and the time from JVM start to the model being mapped. */
    record Figures(double openMillis, double sinceJvmStartMillis) {
        String format() {
            return String.format(Locale.ROOT, "open_ms=%.3f since_start_ms=%.1f", openMillis, sinceJvmStartMillis);
        }

        static Figures parse(String line) {
            String[] parts = line.strip().split(" ");
            if (parts.length != 2 || !parts[0].startsWith("open_ms=") || !parts[1].startsWith("since_start_ms=")) {
                throw new IllegalArgumentException("unexpected output of " + NAME + ": '" + line + "'");
            }
            return new Figures(Double.parseDouble(parts[0].substring(8)), Double.parseDouble(parts[1].substring(15)));
        }
    }

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        try (Qwen3Model model = Qwen3Model.open(file)) {
            long t1 = System.nanoTime();
            long startMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
            double since = System.currentTimeMillis() - startMillis;
            if (model.weights() == null) {
                throw new IllegalStateException("no weights");
            }
            System.out.println(new Figures((t1 - t0) / 1e6, since).format());
        }
        return 0;
    }
}
