package io.jllm.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A results table, rendered as GitHub markdown with padded columns so the same text reads well on a
 * terminal. Numeric-looking columns are right-aligned.
 */
public final class MarkdownTable {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public MarkdownTable(String... header) {
        if (header.length == 0) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        this.header = List.of(header);
    }

    public MarkdownTable row(Object... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, the table " + header.size()
                    + " columns " + header + ": " + Arrays.toString(cells));
        }
        List<String> row = new ArrayList<>(cells.length);
        for (Object c : cells) {
            row.add(c == null ? "" : c.toString().replace("|", "\\|").replace('\n', ' '));
        }
        rows.add(row);
        return this;
    }

    public int rowCount() {
        return rows.size();
    }

    public String render() {
        int n = header.size();
        int[] width = new int[n];
        boolean[] right = new boolean[n];
        for (int c = 0; c < n; c++) {
            width[c] = Math.max(3, header.get(c).length());
            right[c] = !rows.isEmpty();
            for (List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
                right[c] &= looksNumeric(row.get(c));
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, header, width, right);
        out.append('|');
        for (int c = 0; c < n; c++) {
            out.append(right[c] ? "-".repeat(width[c] + 1) + ":" : ":" + "-".repeat(width[c] + 1)).append('|');
        }
        out.append('\n');
        for (List<String> row : rows) {
            line(out, row, width, right);
        }
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> cells, int[] width, boolean[] right) {
        out.append('|');
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            String pad = " ".repeat(width[c] - cell.length());
            out.append(' ').append(right[c] ? pad + cell : cell + pad).append(" |");
        }
        out.append('\n');
    }

    /** Numbers, ratios ("1.20x"), dashes for missing values and "pending" all read as numeric cells. */
    static boolean looksNumeric(String cell) {
        return cell.isEmpty() || cell.equals("—") || cell.equals("pending")
                || cell.matches("[-+]?[0-9][0-9,]*(\\.[0-9]+)?\\s*(x|%|ms|s|MB|MiB|GB|GiB|t/s|MB/s)?");
    }

    @Override
    public String toString() {
        return render();
    }
}
