package io.jllm.engine.model;

import java.util.Locale;

/**
 * Where a forward pass spends its time, op by op, accumulated over many passes: the profile the
 * speed issue asks for ("matmuls by type, attention, norms, sampling, sync"). Off unless attached
 * ({@link Qwen3Forward#setProfile}); when attached, each op costs two {@link System#nanoTime()}
 * calls. Written by the one thread that drives the forward pass; read by anyone, approximately.
 */
public final class ForwardProfile {
    /** Op categories, in data-flow order. */
    public enum Op {
        EMBED("embedding lookup + RoPE tables"),
        NORM("RMSNorm"),
        QUANTIZE("activation quantization"),
        MATMUL_QKV("matmul q/k/v"),
        QK_NORM_ROPE("q/k norm + RoPE"),
        KV_STORE("KV cache store"),
        ATTENTION("attention"),
        MATMUL_O("matmul attn_output"),
        MATMUL_GATE_UP("matmul ffn gate/up"),
        SWIGLU("SwiGLU"),
        MATMUL_DOWN("matmul ffn_down"),
        RESIDUAL("residual adds"),
        LM_HEAD("LM head (output norm + matmul)"),
        SAMPLE("sampling"),
        SCHEDULE("scheduling + hand-off");

        final String label;

        Op(String label) {
            this.label = label;
        }
    }

    private final long[] nanos = new long[Op.values().length];
    private final long[] calls = new long[Op.values().length];
    private long passes;
    private long tokens;

    /** Adds the time since {@code start} to {@code op}; returns now, for chaining op after op. */
    public long add(Op op, long start) {
        long now = System.nanoTime();
        nanos[op.ordinal()] += now - start;
        calls[op.ordinal()]++;
        return now;
    }

    /** Adds {@code elapsed} nanoseconds to {@code op} as one call. */
    public void addNanos(Op op, long elapsed) {
        nanos[op.ordinal()] += elapsed;
        calls[op.ordinal()]++;
    }

    void pass(int batchTokens) {
        passes++;
        tokens += batchTokens;
    }

    public long passes() {
        return passes;
    }

    public long tokens() {
        return tokens;
    }

    public long nanos(Op op) {
        return nanos[op.ordinal()];
    }

    public long totalNanos() {
        long sum = 0;
        for (long n : nanos) {
            sum += n;
        }
        return sum;
    }

    public void reset() {
        java.util.Arrays.fill(nanos, 0);
        java.util.Arrays.fill(calls, 0);
        passes = 0;
        tokens = 0;
    }

    /** A table: per op, total ms, share, and ms per forward pass. */
    public String report() {
        long total = Math.max(1, totalNanos());
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%-34s %10s %7s %12s%n", "op", "total ms", "share", "ms/pass"));
        for (Op op : Op.values()) {
            long n = nanos[op.ordinal()];
            if (calls[op.ordinal()] == 0) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "%-34s %10.1f %6.1f%% %12.3f%n", op.label, n / 1e6, 100.0 * n / total,
                    passes == 0 ? 0 : n / 1e6 / passes));
        }
        sb.append(String.format(Locale.ROOT, "%-34s %10.1f %7s %12.3f   (%d passes, %d tokens)%n", "total", total / 1e6,
                "", passes == 0 ? 0 : total / 1e6 / passes, passes, tokens));
        return sb.toString();
    }
}
