package io.jllm.bench.http;

/** Reads values out of Prometheus text exposition (what the server's GET /metrics returns). */
final class MetricsText {
    private MetricsText() {
    }

    /**
     * The sum of the samples of metric {@code name} (every label set), or NaN when it has none. Summing
     * makes counters with labels (requests by finish reason) one figure.
     */
    static double value(String text, String name) {
        double sum = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name)) {
                continue;
            }
            String rest = line.substring(name.length());
            if (!rest.startsWith(" ") && !rest.startsWith("{")) {
                continue;
            }
            // name{labels} value [timestamp]  or  name value [timestamp]
            String afterLabels = rest.startsWith("{") ? rest.substring(rest.lastIndexOf('}') + 1) : rest;
            String v = afterLabels.strip().split("\\s+")[0];
            try {
                sum += Double.parseDouble(v);
                found = true;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("metrics line for " + name + " has no number: '" + line + "'");
            }
        }
        return found ? sum : Double.NaN;
    }
}
