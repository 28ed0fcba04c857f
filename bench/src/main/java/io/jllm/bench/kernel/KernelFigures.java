package io.jllm.bench.kernel;

import io.jllm.gguf.GgmlType;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/** Weight bandwidth and arithmetic rate of a matmul benchmark result, from its parameters. */
final class KernelFigures {
    private KernelFigures() {
    }

    static String describe(RunResult run) {
        BenchmarkParams params = run.getParams();
        Result<?> result = run.getPrimaryResult();
        String name = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.', params.getBenchmark()
                .lastIndexOf('.') - 1) + 1);
        StringBuilder line = new StringBuilder(JmhCommand.format("%-24s", name));
        for (String key : params.getParamsKeys()) {
            line.append(' ').append(key).append('=').append(params.getParam(key));
        }
        double seconds = result.getScore() * secondsPerUnit(result.getScoreUnit());
        // three significant digits below 100: per-multiply-add scores (IntDotBench) are hundredths of a ns
        line.append(JmhCommand.format(result.getScore() < 100 ? "  %.3g %s" : "  %.1f %s", result.getScore(),
                result.getScoreUnit()));
        String type = params.getParam("type");
        String shape = params.getParam("shape");
        String batch = params.getParam("batch");
        if (shape != null && type != null && batch != null && seconds > 0) {
            String[] dims = shape.split("x");
            long rows = Long.parseLong(dims[0]);
            long cols = Long.parseLong(dims[1]);
            GgmlType t = GgmlType.valueOf(type);
            double bytes = (double) rows * (cols / t.blockSize()) * t.bytesPerBlock();
            double flops = 2.0 * rows * cols * Integer.parseInt(batch);
            line.append(JmhCommand.format("  %.2f GB/s of weights  %.1f GFLOP/s", bytes / seconds / 1e9,
                    flops / seconds / 1e9));
        }
        return line.toString();
    }

    private static double secondsPerUnit(String unit) {
        String time = unit.endsWith("/op") ? unit.substring(0, unit.length() - 3) : "";
        return switch (time) {
            case "ns" -> 1e-9;
            case "us" -> 1e-6;
            case "ms" -> 1e-3;
            case "s" -> 1;
            default -> 0; // throughput modes: no per-op time to derive figures from
        };
    }
}
