package io.jllm.models.synth;

import io.jllm.gguf.GgmlType;
import io.jllm.gguf.GgufValue;
import io.jllm.gguf.GgufWriter;
import io.jllm.models.hf.Qwen3Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes synthetic Qwen3 GGUF files: the real architecture, tensor layout, quantization mix and
 * tokenizer, with random weights ({@link WeightScheme}) that are a pure function of the preset, the
 * ftype and the seed.
 */
public final class SyntheticModels {
    /** Default worker threads: a fixed, small pool, so a build machine shared by others stays usable. */
    public static final int DEFAULT_THREADS = 2;

    private static final Map<Path, Object> CACHE_LOCKS = new ConcurrentHashMap<>();

    private SyntheticModels() {
    }

    /** Writes with {@link #DEFAULT_THREADS} worker threads. */
    public static void write(ModelPreset preset, Ftype ftype, long seed, Path out, GgufWriter.Progress progress)
            throws IOException {
        write(preset, ftype, seed, out, progress, DEFAULT_THREADS);
    }

    /**
     * Writes the model to {@code out} (through a temporary sibling, so a failed write leaves nothing
     * behind). Same arguments, same bytes, for any thread count.
     *
     * @param progress told after each tensor; may be null
     * @param threads  platform threads generating and encoding weights (at least 1)
     */
    public static void write(ModelPreset preset, Ftype ftype, long seed, Path out, GgufWriter.Progress progress,
                             int threads) throws IOException {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        checkWritable(out);
        List<PlannedTensor> plan = TensorPlan.of(preset, ftype);
        requireCodecs(plan, ftype);
        Map<String, GgufValue> metadata = Qwen3Metadata.build(preset, ftype, seed,
                Qwen3Tokenizer.bundledMetadata(preset.vocabSize()));

        ExecutorService pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, workerThreads());
        try {
            TensorFiller filler = new TensorFiller(pool, threads);
            GgufWriter writer = new GgufWriter();
            metadata.forEach(writer::put);
            for (PlannedTensor t : plan) {
                WeightScheme.Distribution dist = WeightScheme.of(t.role(), t.layer(), preset);
                writer.tensor(t.name(), t.type(), t.shape(),
                        dst -> filler.fill(t, dist, seed, t.type().codec(), dst));
            }
            writer.write(out, progress);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    /**
     * The path of this model in a shared cache folder ({@code ${java.io.tmpdir}/jllm-models}), writing
     * it first if no earlier call (in this or another JVM) did. The file name carries a hash of the
     * code that makes it, so a changed generator or codec never serves a stale file. Concurrent
     * callers are safe: each writes to its own temporary file and the first rename wins.
     */
    public static Path cached(ModelPreset preset, Ftype ftype, long seed) {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "jllm-models");
        Path file = dir.resolve(preset.name() + "-" + ftype.name().toLowerCase(java.util.Locale.ROOT) + "-"
                + Long.toUnsignedString(seed) + "-" + GeneratorVersion.hash() + ".gguf");
        synchronized (CACHE_LOCKS.computeIfAbsent(file, f -> new Object())) {
            if (Files.isRegularFile(file)) {
                return file;
            }
            try {
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".partial");
                try {
                    write(preset, ftype, seed, tmp, null);
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(tmp);
                }
                deleteStaleVersions(dir, file);
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the cached synthetic model " + file, e);
            }
            return file;
        }
    }

    /** Versions of a model besides the current one that are kept while they are under a day old. */
    static final int RECENT_VERSIONS_KEPT = 2;

    /**
     * Every code change writes the cached models anew under a new hash; this removes the same model's
     * files from other versions once they are a day old, all but the {@link #RECENT_VERSIONS_KEPT}
     * newest of the younger ones, and the same model's temporary files a writer left when it was
     * killed mid-write (a server stopped while it made its demo model). The newest other versions are
     * left alone: another checkout's tests may be using them right now, as may a younger temporary
     * file be being written. (A day's grace alone let a day of kernel work, a new hash per build and
     * 1.4 GB per full-size set, fill a 70 GB disk.)
     */
    private static void deleteStaleVersions(Path dir, Path current) {
        String name = current.getFileName().toString();
        String prefix = name.substring(0, name.lastIndexOf('-') + 1);
        long dayAgo = System.currentTimeMillis() - 24 * 3600 * 1000L;
        try (var files = Files.list(dir)) {
            List<Path> versions = new ArrayList<>();
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                if (!n.startsWith(prefix) || f.equals(current)) {
                    continue;
                }
                long modified = Files.getLastModifiedTime(f).toMillis();
                if ((n.endsWith(".gguf") || n.endsWith(".partial")) && modified < dayAgo) {
                    Files.deleteIfExists(f);
                } else if (n.endsWith(".gguf")) {
                    versions.add(f);
                }
            }
            versions.sort(Comparator.comparingLong(SyntheticModels::modifiedMillis).reversed());
            for (Path old : versions.subList(Math.min(RECENT_VERSIONS_KEPT, versions.size()), versions.size())) {
                Files.deleteIfExists(old);
            }
        } catch (IOException e) {
            // Housekeeping only: a file we cannot list or delete costs disk space, nothing else.
        }
    }

    private static long modifiedMillis(Path f) {
        try {
            return Files.getLastModifiedTime(f).toMillis();
        } catch (IOException e) {
            return 0; // gone meanwhile: oldest, so deleted (or found gone) first
        }
    }

    /** Fails before any work if the file cannot be created where asked. */
    static void checkWritable(Path out) throws IOException {
        Path abs = out.toAbsolutePath();
        Path parent = abs.getParent();
        if (Files.isDirectory(abs)) {
            throw new IOException("cannot write " + out + ": it is a directory; give a file name such as "
                    + abs.resolve("model.gguf"));
        }
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IOException("cannot write " + out + ": directory " + parent + " does not exist");
        }
        if (!Files.isWritable(parent)) {
            throw new AccessDeniedException(out.toString(), null, "directory " + parent + " is not writable");
        }
    }

    private static void requireCodecs(List<PlannedTensor> plan, Ftype ftype) {
        Set<GgmlType> missing = new LinkedHashSet<>();
        for (PlannedTensor t : plan) {
            if (!t.type().hasCodec()) {
                missing.add(t.type());
            }
        }
        if (!missing.isEmpty()) {
            throw new UnsupportedOperationException("cannot write ftype " + ftype + ": jLLM has no encoder for "
                    + missing + " (types with codecs: " + io.jllm.gguf.quant.Codecs.supported() + ")");
        }
    }

    private static java.util.concurrent.ThreadFactory workerThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "jllm-synth-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
