package io.jllm.models.cli;

import io.jllm.gguf.GgmlType;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prints tensors as a table (index, name, type, shape, bytes, offset), a per-type summary and totals,
 * in the spirit of gguf-py's gguf_dump. Shared by {@code inspect} and {@code synth --dry-run}.
 */
final class TensorTable {
    /** One tensor: shape in ggml order, offset from the start of the data section. */
    record Row(String name, GgmlType type, long[] shape, long bytes, long offset) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private TensorTable() {
    }

    static void printRows(PrintWriter out, List<Row> rows) {
        int nameWidth = 4;
        for (Row r : rows) {
            nameWidth = Math.max(nameWidth, r.name().length());
        }
        String format = "%5s  %-" + nameWidth + "s  %-5s  %-16s  %14s  %14s%n";
        out.printf(Locale.ROOT, format, "#", "name", "type", "shape", "bytes", "offset");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            out.printf(Locale.ROOT, format, i + 1, r.name(), r.type(), shape(r.shape()),
                    String.format(Locale.ROOT, "%,d", r.bytes()), String.format(Locale.ROOT, "%,d", r.offset()));
        }
    }

    /** Tensors, elements and bytes per type, then the totals and bits per weight. */
    static void printSummary(PrintWriter out, List<Row> rows) {
        Map<GgmlType, long[]> byType = new TreeMap<>();
        long elements = 0;
        long bytes = 0;
        for (Row r : rows) {
            long[] acc = byType.computeIfAbsent(r.type(), t -> new long[3]);
            acc[0]++;
            acc[1] += r.elements();
            acc[2] += r.bytes();
            elements += r.elements();
            bytes += r.bytes();
        }
        out.printf(Locale.ROOT, "%-5s  %8s  %15s  %15s  %6s%n", "type", "tensors", "parameters", "bytes", "bpw");
        for (Map.Entry<GgmlType, long[]> e : byType.entrySet()) {
            long[] a = e.getValue();
            out.printf(Locale.ROOT, "%-5s  %8d  %,15d  %,15d  %6.2f%n", e.getKey(), a[0], a[1], a[2], bitsPerWeight(a[2], a[1]));
        }
        out.printf(Locale.ROOT, "%-5s  %8d  %,15d  %,15d  %6.2f%n", "total", rows.size(), elements, bytes,
                bitsPerWeight(bytes, elements));
    }

    private static double bitsPerWeight(long bytes, long elements) {
        return elements == 0 ? 0 : bytes * 8.0 / elements;
    }

    static String shape(long[] shape) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : " x ").append(shape[i]);
        }
        return s.toString();
    }
}
