package io.jllm.engine.api;

import io.jllm.engine.chat.ChatTemplate;
import io.jllm.engine.chat.ChatTemplates;
import io.jllm.engine.kernel.ComputePool;
import io.jllm.engine.kernel.KernelSet;
import io.jllm.engine.kernel.Kernels;
import io.jllm.engine.kv.PagedKvCache;
import io.jllm.engine.model.Qwen3Config;
import io.jllm.engine.model.Qwen3Forward;
import io.jllm.engine.model.Qwen3Model;
import io.jllm.engine.scheduler.BatchScheduler;
import io.jllm.engine.scheduler.SchedulerConfig;
import io.jllm.engine.scheduler.SchedulerStats;
import io.jllm.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.lang.management.ManagementFactory;

/**
 * A loaded model behind a running scheduler: the one object the CLI and the server talk to.
 * Load it, {@link #submit} requests from any thread, read their tokens through the returned
 * {@link Generation}, and close it to finish or cancel what is in flight.
 */
public final class InferenceEngine implements AutoCloseable {
    private final EngineConfig config;
    private final Qwen3Model model;
    private final Tokenizer tokenizer;
    private final ChatTemplate chatTemplate;
    private final String chatTemplateProblem;
    private final ComputePool pool;
    private final PagedKvCache cache;
    private final BatchScheduler scheduler;
    private final Qwen3Forward forward;
    private final int contextLength;
    private final long loadMillis;
    private final Qwen3Forward.WarmUp warmUp;

    private InferenceEngine(EngineConfig config, Qwen3Model model, Tokenizer tokenizer, ChatTemplate chatTemplate,
            String chatTemplateProblem, ComputePool pool, PagedKvCache cache, Qwen3Forward forward, BatchScheduler scheduler,
            int contextLength, long loadMillis, Qwen3Forward.WarmUp warmUp) {
        this.config = config;
        this.model = model;
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
        this.chatTemplateProblem = chatTemplateProblem;
        this.pool = pool;
        this.cache = cache;
        this.scheduler = scheduler;
        this.forward = forward;
        this.contextLength = contextLength;
        this.loadMillis = loadMillis;
        this.warmUp = warmUp;
    }

    /** Maps the model, builds the tokenizer, sizes the KV cache and starts the scheduler. */
    public static InferenceEngine open(EngineConfig config) throws IOException {
        long start = System.nanoTime();
        Qwen3Model model = Qwen3Model.open(config.model());
        ComputePool pool = null;
        PagedKvCache cache = null;
        try {
            Qwen3Config c = model.config();
            Tokenizer tokenizer = Tokenizer.fromMetadata(model.file().metadata());
            ChatTemplate template = null;
            String problem = null;
            try {
                template = config.chatTemplate().equals("auto")
                        ? ChatTemplates.forTemplate(model.file().metadata().optString("tokenizer.chat_template")
                                .orElseThrow(() -> new IllegalArgumentException(
                                        "the model has no tokenizer.chat_template; choose one with --chat-template")))
                        : ChatTemplates.named(config.chatTemplate());
            } catch (RuntimeException e) {
                problem = e.getMessage();
            }
            int threads = config.threads() == 0 ? Runtime.getRuntime().availableProcessors() : config.threads();
            int wantedContext = config.contextLength() == 0 ? Math.min(c.contextLength(), 8192)
                    : config.contextLength();
            if (wantedContext > c.contextLength()) {
                throw new IllegalArgumentException("context " + wantedContext + " exceeds the model's trained context of "
                        + c.contextLength() + " tokens");
            }
            long perToken = PagedKvCache.bytesPerToken(c.layers(), c.kvDim(), config.kvType());
            long tokens = config.kvCacheTokens() != 0 ? config.kvCacheTokens()
                    : Math.min(Math.max(wantedContext, 16384L), Math.max(wantedContext, memoryBudget() / perToken));
            int blocks = (int) Math.min(Integer.MAX_VALUE, (tokens + config.kvBlockSize() - 1) / config.kvBlockSize());
            int contextLength = (int) Math.min(wantedContext, (long) blocks * config.kvBlockSize());
            if (contextLength < 2) {
                throw new IllegalArgumentException("a KV cache of " + tokens + " tokens is too small");
            }
            cache = new PagedKvCache(c.layers(), c.kvHeads(), c.headDim(), config.kvBlockSize(), blocks,
                    config.kvType());
            pool = new ComputePool(threads);
            KernelSet kernels = Kernels.byName(config.kernels());
            Qwen3Forward forward = new Qwen3Forward(c, model.weights(), kernels, pool, cache, config.stepTokens(),
                    config.maxRunning());
            Qwen3Forward.WarmUp warmUp = config.warmupMillis() > 0 ? forward.warmUp(config.warmupMillis())
                    : Qwen3Forward.WarmUp.NONE;
            SchedulerConfig sc = new SchedulerConfig(config.maxRunning(), config.stepTokens(), config.stepMillis(),
                    config.maxQueue(), contextLength, config.prefixCaching());
            BatchScheduler scheduler = new BatchScheduler(forward, cache, pool, tokenizer::isEog, sc);
            // Loading parsed ~300k vocabulary strings and built the tokenizer's tables: collect that
            // garbage now, once, so the heap the engine serves with is small (see Launcher.RUNTIME_OPTIONS).
            System.gc();
            long loadMillis = (System.nanoTime() - start) / 1_000_000;
            return new InferenceEngine(config, model, tokenizer, template, problem, pool, cache, forward, scheduler,
                    contextLength, loadMillis, warmUp);
        } catch (RuntimeException | Error e) {
            if (pool != null) {
                pool.close();
            }
            if (cache != null) {
                cache.close();
            }
            model.close();
            throw e;
        }
    }

    /** A quarter of the physical memory free now, the default ceiling of the KV cache. */
    private static long memoryBudget() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getFreeMemorySize() / 4;
        }
        return 1L << 30;
    }

    public Generation submit(GenerationRequest request) {
        return scheduler.submit(request);
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The chat template, or an IllegalStateException saying why the model has none jLLM can render. */
    public ChatTemplate chatTemplate() {
        if (chatTemplate == null) {
            throw new IllegalStateException("no chat template: " + chatTemplateProblem);
        }
        return chatTemplate;
    }

    public boolean hasChatTemplate() {
        return chatTemplate != null;
    }

    public Qwen3Config modelConfig() {
        return model.config();
    }

    public String modelName() {
        return model.name();
    }

    public Qwen3Model model() {
        return model;
    }

    public EngineConfig config() {
        return config;
    }

    /** Most tokens (prompt plus generated) of one sequence. */
    public int contextLength() {
        return contextLength;
    }

    public int threads() {
        return pool.size();
    }

    public long kvCacheBytes() {
        return cache.totalBytes();
    }

    public int kvCacheTokens() {
        return cache.totalBlocks() * cache.blockSize();
    }

    public long loadMillis() {
        return loadMillis;
    }

    /**
     * What the start-up warm-up did; where it is not {@code settled} (with kernels that should
     * settle) the process may run some kernels uncompiled, slower and allocating.
     */
    public Qwen3Forward.WarmUp warmUp() {
        return warmUp;
    }

    public SchedulerStats stats() {
        return scheduler.stats();
    }

    /**
     * Starts accumulating per-op times of every forward pass and scheduler step (for benchmarks)
     * and returns the profile; it stays attached until {@link #stopProfiling}.
     */
    public io.jllm.engine.model.ForwardProfile startProfiling() {
        io.jllm.engine.model.ForwardProfile p = new io.jllm.engine.model.ForwardProfile();
        forward.setProfile(p);
        return p;
    }

    public void stopProfiling() {
        forward.setProfile(null);
    }

    public int cachedPrefixBlocks() {
        return scheduler.cachedPrefixBlocks();
    }

    /** Stops taking requests, lets in-flight ones finish for up to {@code drainMillis}, then frees everything. */
    public void shutdown(long drainMillis) {
        scheduler.shutdown(drainMillis);
        pool.close();
        cache.close();
        model.close();
    }

    @Override
    public void close() {
        shutdown(0);
    }
}
