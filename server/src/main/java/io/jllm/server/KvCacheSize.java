package io.jllm.server;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code --kv-cache} option: a number of token slots ({@code 16384}), or a memory size
 * ({@code 2GiB}, {@code 512MiB}, {@code 1.5GB}) turned into tokens once the model's per-token size is known.
 * Zero means "let the engine choose".
 *
 * @param tokens token slots, when given as a count; -1 when given as bytes
 * @param bytes  bytes, when given as a size; -1 when given as a count
 */
public record KvCacheSize(long tokens, long bytes) {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b?|b)");

    public static final KvCacheSize AUTO = new KvCacheSize(0, -1);

    /**
     * Parses a token count or a size with a unit (B, KB, MB, GB, TB are powers of 1000; KiB, MiB, GiB, TiB
     * and the bare letters K, M, G, T are powers of 1024).
     */
    public static KvCacheSize parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.matches("\\d+")) {
            return new KvCacheSize(Long.parseLong(s), -1);
        }
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("--kv-cache " + text + ": expected a token count (e.g. 16384) or a size"
                    + " with a unit (e.g. 2GiB, 512MiB, 1.5GB)");
        }
        String unit = m.group(2);
        double scale = switch (unit.charAt(0)) {
            case 'k' -> unit.contains("i") || unit.length() == 1 ? 1L << 10 : 1e3;
            case 'm' -> unit.contains("i") || unit.length() == 1 ? 1L << 20 : 1e6;
            case 'g' -> unit.contains("i") || unit.length() == 1 ? 1L << 30 : 1e9;
            case 't' -> unit.contains("i") || unit.length() == 1 ? 1L << 40 : 1e12;
            default -> 1;
        };
        double bytes = Double.parseDouble(m.group(1)) * scale;
        if (bytes < 1 || bytes > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("--kv-cache " + text + ": the size must be at least one byte and"
                    + " below 4 EiB");
        }
        return new KvCacheSize(-1, (long) bytes);
    }

    /** Token slots for a model whose keys and values take {@code bytesPerToken} bytes per token. */
    public long tokens(long bytesPerToken) {
        if (bytes < 0) {
            return tokens;
        }
        long t = bytes / bytesPerToken;
        if (t < 1) {
            throw new IllegalArgumentException("--kv-cache " + bytes + " bytes holds no token of this model ("
                    + bytesPerToken + " bytes per token); give a larger size");
        }
        return t;
    }

    @Override
    public String toString() {
        return bytes < 0 ? tokens + " tokens" : bytes + " bytes";
    }
}
