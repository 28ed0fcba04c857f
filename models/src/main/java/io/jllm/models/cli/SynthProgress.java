package io.jllm.models.cli;

import io.jllm.gguf.GgufTensorInfo;
import io.jllm.gguf.GgufWriter;
import java.io.PrintWriter;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows how far a synth run is: a live progress bar on a terminal, and otherwise (a log, a pipe, a
 * test) one plain line per tenth of the bytes, so logs stay readable.
 */
final class SynthProgress implements GgufWriter.Progress, AutoCloseable {
    private final PrintWriter log;
    private final boolean terminal;
    private ProgressBar bar;
    private int lastTenth = -1;

    SynthProgress(PrintWriter log, boolean terminal) {
        this.log = log;
        this.terminal = terminal;
    }

    /** Whether the JVM's console is an interactive terminal (JDK 22+ returns a console even when redirected). */
    static boolean onTerminal() {
        return System.console() != null && System.console().isTerminal();
    }

    @Override
    public synchronized void tensorWritten(GgufTensorInfo tensor, int index, int count, long bytesDone,
                                           long bytesTotal) {
        if (terminal) {
            if (bar == null) {
                bar = new ProgressBarBuilder().setTaskName("synth").setInitialMax(bytesTotal)
                        .setUnit(" MiB", 1 << 20).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                        .showSpeed().build();
            }
            bar.stepTo(bytesDone);
            bar.setExtraMessage(" " + tensor.name());
            return;
        }
        int tenth = bytesTotal == 0 ? 10 : (int) (bytesDone * 10 / bytesTotal);
        if (tenth > lastTenth) {
            lastTenth = tenth;
            log.printf("synth: %3d%%  %d/%d tensors, %,d of %,d bytes%n", tenth * 10, index + 1, count, bytesDone,
                    bytesTotal);
            log.flush();
        }
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
