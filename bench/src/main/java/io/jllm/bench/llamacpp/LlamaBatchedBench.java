package io.jllm.bench.llamacpp;

import io.jllm.bench.ToolRun;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Native llama.cpp's {@code llama-batched-bench}: for each parallel count B it prefills B prompts of
 * {@code npp} random tokens in one batch, then decodes {@code ntg} tokens for all B sequences in
 * lockstep (one batch of B tokens per step, no sampling). Its table's S_TG t/s is B*ntg over the
 * decode phase alone; S t/s counts prompt and generated tokens over both phases.
 */
public final class LlamaBatchedBench {
    /** One row of the table. */
    public record Row(int pp, int tg, int b, int nKv, double tPp, double sPp, double tTg, double sTg, double t,
            double s) {
    }

    private static final String[] COLUMNS = {"PP", "TG", "B", "N_KV", "T_PP s", "S_PP t/s", "T_TG s", "S_TG t/s",
        "T s", "S t/s"};

    private LlamaBatchedBench() {
    }

    /**
     * The context it needs: llama-batched-bench silently skips a parallel count whose
     * {@code B * (npp + ntg)} exceeds its context, so size it for the largest.
     */
    public static int context(int npp, int ntg, List<Integer> parallel) {
        int most = parallel.stream().mapToInt(Integer::intValue).max().orElse(1);
        int needed = most * (npp + ntg);
        return Math.max(2048, Integer.highestOneBit(needed - 1) << 1);
    }

    public static List<String> command(Path tool, Path model, int threads, int npp, int ntg, List<Integer> parallel) {
        String npl = parallel.stream().map(String::valueOf).collect(Collectors.joining(","));
        return List.of(tool.toString(), "-m", model.toString(), "-t", Integer.toString(threads),
                "-c", Integer.toString(context(npp, ntg, parallel)), "-npp", Integer.toString(npp),
                "-ntg", Integer.toString(ntg), "-npl", npl);
    }

    public static List<Row> run(Path tool, Path model, int threads, int npp, int ntg, List<Integer> parallel)
            throws IOException, InterruptedException {
        List<String> command = command(tool, model, threads, npp, ntg, parallel);
        ToolRun.Result r = ToolRun.run(command, Duration.ofMinutes(30));
        if (r.exitCode() != 0) {
            throw new IOException("llama-batched-bench exited with " + r.exitCode() + " (command: "
                    + String.join(" ", command) + "):\n" + r.stderrTail(15));
        }
        List<Row> rows = parse(r.stdout());
        for (int b : parallel) {
            if (rows.stream().noneMatch(row -> row.b() == b)) {
                throw new IOException("llama-batched-bench printed no row for B=" + b + " (command: "
                        + String.join(" ", command) + "); output:\n" + r.stdout());
            }
        }
        return rows;
    }

    /** Parses the markdown table llama-batched-bench prints (columns found by their headers). */
    public static List<Row> parse(String output) {
        Map<String, Integer> index = null;
        List<Row> rows = new ArrayList<>();
        int lineNo = 0;
        for (String line : output.split("\n")) {
            lineNo++;
            String l = line.strip();
            if (!l.startsWith("|")) {
                continue;
            }
            String[] cells = cells(l);
            if (index == null) {
                index = header(cells);
                continue;
            }
            if (l.matches("\\|[-|: ]+")) {
                continue;
            }
            try {
                rows.add(new Row(integer(cells, index, "PP"), integer(cells, index, "TG"), integer(cells, index, "B"),
                        integer(cells, index, "N_KV"), number(cells, index, "T_PP s"), number(cells, index, "S_PP t/s"),
                        number(cells, index, "T_TG s"), number(cells, index, "S_TG t/s"), number(cells, index, "T s"),
                        number(cells, index, "S t/s")));
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("llama-batched-bench output line " + lineNo
                        + " is not a row of its table: '" + l + "'");
            }
        }
        if (index == null) {
            throw new IllegalArgumentException("llama-batched-bench output holds no table (a line starting with"
                    + " '| PP'); output began: " + LlamaBench.head(output));
        }
        return rows;
    }

    private static String[] cells(String line) {
        String inner = line.substring(1, line.endsWith("|") ? line.length() - 1 : line.length());
        String[] cells = inner.split("\\|", -1);
        for (int i = 0; i < cells.length; i++) {
            cells[i] = cells[i].strip();
        }
        return cells;
    }

    private static Map<String, Integer> header(String[] cells) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < cells.length; i++) {
            index.put(cells[i], i);
        }
        for (String c : COLUMNS) {
            if (!index.containsKey(c)) {
                throw new IllegalArgumentException("llama-batched-bench table header lacks column '" + c + "': "
                        + String.join(" | ", cells));
            }
        }
        return index;
    }

    private static int integer(String[] cells, Map<String, Integer> index, String column) {
        return Integer.parseInt(cells[index.get(column)]);
    }

    private static double number(String[] cells, Map<String, Integer> index, String column) {
        return Double.parseDouble(cells[index.get(column)]);
    }
}
