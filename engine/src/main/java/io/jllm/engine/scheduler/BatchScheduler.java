package io.jllm.engine.scheduler;

import io.jllm.engine.api.FinishReason;
import io.jllm.engine.api.Generation;
import io.jllm.engine.api.GenerationRequest;
import io.jllm.engine.api.RejectedException;
import io.jllm.engine.kernel.BatchGranularity;
import io.jllm.engine.kernel.ComputePool;
import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.kv.PagedKvCache;
import io.jllm.engine.model.ForwardBatch;
import io.jllm.engine.model.ForwardProfile;
import io.jllm.engine.model.Qwen3Forward;
import io.jllm.engine.sampling.Sampler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

/**
 * Iteration-level (continuous) batching over the paged KV cache, one loop on its own thread.
 *
 * <p>Each step: take new requests; end cancelled and timed-out ones; admit waiting requests while
 * KV blocks allow (sharing cached prefix blocks); plan the step's tokens — one for every decoding
 * sequence, then prefill chunks up to the token budget, so a long prompt never stalls everyone's
 * decoding; make room in the cache, preempting the newest sequence (its blocks freed, its tokens
 * recomputed later) rather than failing anyone; run one forward pass for the whole batch; sample
 * every sequence with its own sampler; hand each new token to its request and retire finished
 * sequences at once, so their places fill in the next step. With nothing to do the thread blocks
 * on the submission queue: it never spins or sleeps in a loop.
 *
 * <p>Callers hand requests over through a queue and read tokens through {@link Generation}; the
 * scheduler's own state is touched by its thread alone, so nothing on the request path locks.
 */
public final class BatchScheduler implements AutoCloseable {
    private final Qwen3Forward forward;
    private final PagedKvCache cache;
    private final ComputePool pool;
    private final IntPredicate endOfGeneration;
    private final SchedulerConfig config;
    private final int vocabSize;
    private final PrefixCache prefixCache;

    private final LinkedBlockingQueue<GenerationState> submissions = new LinkedBlockingQueue<>();
    private final AtomicInteger waitingCount = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private final ForwardBatch batch;
    private final SampleOp sampleOp;
    private final Thread thread;
    private long admissions;
    /**
     * Measured cost of a token in steps that prefill (nanoseconds, moving average; a partly filled
     * tile of the batched kernels counts whole), which turns the step time budget into a token
     * budget; 0 until a step has measured it.
     */
    private double prefillNanosPerToken;
    /** The same for steps on the kernels' small-batch path (see {@link StepBudget}), 0 until measured. */
    private double smallNanosPerToken;
    /** How batch cost grows with size for this model's kernels: prefill chunks fill whole tiles. */
    private final BatchGranularity granularity;
    /** Tokens of prefill in the step being run (the rest decode one token each). */
    private int plannedPrefill;

    private volatile boolean accepting = true;
    private volatile long drainDeadline = Long.MAX_VALUE;
    private volatile int runningCount;
    private final AtomicLong preemptions = new AtomicLong();
    private final AtomicLong prefixHitTokens = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong generatedTokens = new AtomicLong();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong finished = new AtomicLong();

    public BatchScheduler(Qwen3Forward forward, PagedKvCache cache, ComputePool pool, IntPredicate endOfGeneration,
            SchedulerConfig config) {
        if (config.maxRunning() > forward.maxLogitRows() || config.stepTokens() > forward.maxTokens()) {
            throw new IllegalArgumentException("the forward pass holds " + forward.maxTokens() + " tokens / "
                    + forward.maxLogitRows() + " logit rows; the scheduler wants " + config.stepTokens() + " / "
                    + config.maxRunning());
        }
        this.forward = forward;
        this.granularity = forward.batchGranularity();
        this.cache = cache;
        this.pool = pool;
        this.endOfGeneration = endOfGeneration;
        this.config = config;
        this.vocabSize = forward.config().vocabSize();
        this.batch = new ForwardBatch(config.stepTokens());
        this.sampleOp = new SampleOp(forward.maxLogitRows());
        this.prefixCache = config.prefixCaching() ? new PrefixCache(cache) : null;
        if (prefixCache != null) {
            cache.setEvictor(prefixCache::evictOne);
        }
        this.thread = Thread.ofPlatform().name("jllm-scheduler").unstarted(this::loop);
        this.thread.start();
    }

    public SchedulerConfig config() {
        return config;
    }

    /**
     * Queues a request. Throws {@link RejectedException} when the waiting queue is full, the
     * engine is shutting down, or the request can never fit (its prompt plus max tokens exceed
     * the context, or its prompt needs more KV blocks than the cache has), and
     * {@link IllegalArgumentException} when its prompt or logit bias names a token outside the
     * vocabulary.
     */
    public Generation submit(GenerationRequest request) {
        // Checked here, not where they are used: a bad id would fail the forward pass of everyone
        // batched with it, and the sampler is made on the scheduler thread.
        int[] tokens = request.prompt();
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocabSize) {
                throw new IllegalArgumentException("prompt token " + i + " is " + tokens[i]
                        + ", not a token id; the vocabulary has ids 0 to " + (vocabSize - 1));
            }
        }
        int biased = request.sampling().logitBias().maxToken();
        if (biased >= vocabSize) {
            throw new IllegalArgumentException("the logit bias names token " + biased + "; the vocabulary has ids 0 to "
                    + (vocabSize - 1));
        }
        int prompt = tokens.length;
        int maxTokens = request.sampling().maxTokens();
        if (prompt >= config.maxContext()) {
            throw new RejectedException(RejectedException.Reason.TOO_LONG, "the prompt has " + prompt
                    + " tokens; the context holds " + config.maxContext() + " (prompt plus generated tokens)");
        }
        if (maxTokens > 0 && (long) prompt + maxTokens > config.maxContext()) {
            throw new RejectedException(RejectedException.Reason.TOO_LONG, "prompt (" + prompt
                    + " tokens) plus max_tokens (" + maxTokens + ") is " + (prompt + maxTokens)
                    + ", beyond the context of " + config.maxContext() + " tokens");
        }
        long blocksForPrompt = ((long) prompt + cache.blockSize()) / cache.blockSize();
        if (blocksForPrompt > cache.totalBlocks()) {
            throw new RejectedException(RejectedException.Reason.TOO_LONG, "the prompt needs " + blocksForPrompt
                    + " KV cache blocks; the cache has " + cache.totalBlocks() + " (raise --kv-cache)");
        }
        if (!accepting) {
            throw new RejectedException(RejectedException.Reason.SHUTTING_DOWN, "the engine is shutting down");
        }
        if (waitingCount.incrementAndGet() > config.maxQueue()) {
            waitingCount.decrementAndGet();
            throw new RejectedException(RejectedException.Reason.QUEUE_FULL, "the waiting queue is full ("
                    + config.maxQueue() + " requests); retry later");
        }
        int expected = maxTokens > 0 ? maxTokens : config.maxContext() - prompt;
        GenerationState g = new GenerationState(ids.incrementAndGet(), request, expected, System.nanoTime());
        submissions.add(g);
        return g;
    }

    public SchedulerStats stats() {
        return new SchedulerStats(waitingCount.get(), runningCount, cache.usedBlocks(), cache.totalBlocks(),
                preemptions.get(), prefixHitTokens.get(), promptTokens.get(), generatedTokens.get(), steps.get(),
                finished.get());
    }

    /** Blocks held only by the prefix cache (reusable on demand). */
    public int cachedPrefixBlocks() {
        return prefixCache == null ? 0 : prefixCache.cachedBlocks();
    }

    // ------------------------------------------------------------------ the loop

    private void loop() {
        try {
            while (true) {
                if (running.isEmpty() && waiting.isEmpty()) {
                    if (!accepting && submissions.isEmpty()) {
                        break;
                    }
                    GenerationState g = submissions.poll(1, TimeUnit.SECONDS);
                    if (g != null) {
                        enqueue(g);
                    }
                    continue;
                }
                GenerationState g;
                while ((g = submissions.poll()) != null) {
                    enqueue(g);
                }
                long now = System.nanoTime();
                if (now > drainDeadline) {
                    failAll(FinishReason.ERROR, "the engine shut down before this request finished");
                    continue;
                }
                endCancelledAndExpired(now);
                admit(now);
                if (running.isEmpty()) {
                    continue;
                }
                step();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failAll(FinishReason.ERROR, "the engine shut down before this request finished");
            GenerationState g;
            while ((g = submissions.poll()) != null) {
                waitingCount.decrementAndGet();
                g.finish(FinishReason.ERROR, "the engine shut down before this request started", System.nanoTime());
            }
        }
    }

    private void enqueue(GenerationState g) {
        int maxGenerated = g.request.sampling().maxTokens() > 0 ? g.request.sampling().maxTokens()
                : config.maxContext() - g.promptTokens();
        Sampler sampler = new Sampler(g.request.sampling(), vocabSize);
        waiting.addLast(new Sequence(g, new KvSequence(cache), sampler, maxGenerated));
    }

    private void endCancelledAndExpired(long now) {
        for (int i = running.size() - 1; i >= 0; i--) {
            Sequence s = running.get(i);
            FinishReason reason = cancelReason(s.generation, now);
            if (reason != null) {
                running.remove(i);
                retire(s, reason, null);
            }
        }
        for (var it = waiting.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            FinishReason reason = cancelReason(s.generation, now);
            if (reason != null) {
                it.remove();
                if (s.generation.admittedNanos() == 0) {
                    waitingCount.decrementAndGet();
                }
                retire(s, reason, null);
            }
        }
        runningCount = running.size();
    }

    private static FinishReason cancelReason(GenerationState g, long now) {
        FinishReason requested = g.cancelRequest();
        if (requested != null) {
            return requested;
        }
        return now > g.deadlineNanos ? FinishReason.TIMEOUT : null;
    }

    /** Starts waiting sequences, oldest first, while a slot and the blocks for their prompt exist. */
    private void admit(long now) {
        // Keep a little room for the running sequences to grow into, so admission does not
        // cause an immediate preemption.
        int reserve = running.size();
        while (!waiting.isEmpty() && running.size() < config.maxRunning()) {
            Sequence s = waiting.peekFirst();
            int cached = prefixCache == null ? 0 : prefixCache.attach(s.kv, s.tokens, s.length);
            boolean fits = s.kv.reserve(s.length) && availableBlocks() >= reserve;
            if (!fits) {
                s.kv.release();
                if (prefixCache != null) {
                    prefixCache.forget(s.kv);
                }
                if (running.isEmpty() && s.kv.blocksNeeded(s.length) > cache.totalBlocks()) {
                    waiting.pollFirst();
                    retire(s, FinishReason.ERROR, "the sequence no longer fits in the KV cache");
                    continue;
                }
                break;
            }
            waiting.pollFirst();
            boolean firstAdmission = s.generation.admittedNanos() == 0;
            if (firstAdmission) {
                waitingCount.decrementAndGet();
                promptTokens.addAndGet(s.generation.promptTokens());
                prefixHitTokens.addAndGet(cached);
            }
            s.generation.admitted(now, cached);
            if (!s.promptSeen) {
                s.sampler.accept(s.tokens, 0, s.length);
                s.promptSeen = true;
            }
            s.order = ++admissions;
            running.add(s);
        }
        runningCount = running.size();
    }

    /** Blocks a sequence could take now: free ones and cached ones no sequence holds. */
    private int availableBlocks() {
        return cache.freeBlocks() + (prefixCache == null ? 0 : prefixCache.evictableBlocks());
    }

    private void step() {
        ForwardProfile profile = forward.profile();
        long t0 = profile == null ? 0 : System.nanoTime();
        planTokens();
        batch.clear();
        for (Sequence s : running) {
            s.logitsRow = -1;
            int start = s.kv.length();
            for (int i = 0; i < s.planned; i++) {
                int pos = start + i;
                boolean last = pos == s.length - 1;
                int row = batch.add(s.tokens[pos], pos, s.kv, last);
                if (last) {
                    s.logitsRow = row;
                }
            }
        }
        if (batch.size() == 0) {
            return;
        }
        if (profile != null) {
            t0 = profile.add(ForwardProfile.Op.SCHEDULE, t0);
        }
        long forwardStart = System.nanoTime();
        try {
            forward.forward(batch);
        } catch (RuntimeException | Error e) {
            // The batch's sequences may hold half-written cache state: end them, keep the waiting.
            List<Sequence> failed = new ArrayList<>(running);
            running.clear();
            for (Sequence s : failed) {
                retire(s, FinishReason.ERROR, "inference failed: " + e);
            }
            return;
        }
        steps.incrementAndGet();
        long forwardNanos = System.nanoTime() - forwardStart;
        if (plannedPrefill > 0 && batch.size() >= granularity.minTokens()) {
            prefillNanosPerToken = averageCost(prefillNanosPerToken, forwardNanos, batch.size(),
                    granularity.tileTokens());
        } else if (plannedPrefill > 0 && granularity.smallBatched() && batch.size() >= granularity.smallMinTokens()) {
            smallNanosPerToken = averageCost(smallNanosPerToken, forwardNanos, batch.size(),
                    granularity.smallGroupTokens());
        }
        if (profile != null) {
            t0 = System.nanoTime();
        }
        sampleOp.prepare();
        pool.run(sampleOp, sampleOp.count);
        long now = System.nanoTime();
        if (profile != null) {
            t0 = profile.add(ForwardProfile.Op.SAMPLE, t0);
        }
        for (int i = running.size() - 1; i >= 0; i--) {
            Sequence s = running.get(i);
            if (prefixCache != null) {
                prefixCache.register(s.kv, s.tokens);
            }
            if (s.logitsRow < 0) {
                continue;
            }
            int token = sampleOp.results[s.logitsRow];
            FinishReason done = null;
            boolean eog = endOfGeneration.test(token) && !s.generation.request.sampling().ignoreEos();
            if (eog) {
                done = FinishReason.EOS;
            } else {
                s.append(token);
                s.generation.publish(token, now);
                generatedTokens.incrementAndGet();
                if (s.generated() >= s.maxGenerated) {
                    done = FinishReason.LENGTH;
                } else if (s.length >= config.maxContext()) {
                    done = FinishReason.CONTEXT;
                }
            }
            if (done != null) {
                running.remove(i);
                retire(s, done, null);
            }
        }
        runningCount = running.size();
        if (profile != null) {
            profile.add(ForwardProfile.Op.SCHEDULE, t0);
        }
    }

    /**
     * Decides how many tokens each running sequence computes this step and takes the KV blocks
     * for them, preempting the newest sequences when blocks run out.
     */
    private void planTokens() {
        // Oldest first: they hold the most work and are the last to be preempted.
        running.sort((a, b) -> Long.compare(a.order, b.order));
        int decoding = 0;
        for (Sequence s : running) {
            s.planned = s.uncomputed() == 1 ? 1 : 0;
            decoding += s.planned;
        }
        int budget = stepBudget(decoding) - decoding;
        plannedPrefill = 0;
        for (Sequence s : running) {
            if (s.uncomputed() > 1 && budget > 0) {
                s.planned = Math.min(s.uncomputed(), budget);
                budget -= s.planned;
                plannedPrefill += s.planned;
            }
        }
        for (int i = 0; i < running.size(); i++) {
            Sequence s = running.get(i);
            while (s.planned > 0 && !s.kv.reserve(s.kv.length() + s.planned)) {
                Sequence victim = running.get(running.size() - 1);
                preempt(victim);
                if (victim == s) {
                    break;
                }
            }
        }
    }

    /**
     * A moving average of the cost per token of steps whose kernels pay for whole {@code unit}s of
     * tokens (a partly filled tile or group counts whole); 0 means none measured yet.
     */
    private static double averageCost(double average, long nanos, int tokens, int unit) {
        double perToken = (double) nanos / ((tokens + unit - 1) / unit * unit);
        return average == 0 ? perToken : 0.8 * average + 0.2 * perToken;
    }

    /** The step's token budget, with {@code decoding} sequences decoding one token; see {@link StepBudget}. */
    private int stepBudget(int decoding) {
        if (config.stepMillis() <= 0 || prefillNanosPerToken <= 0) {
            return config.stepTokens();
        }
        return StepBudget.tokens(config.stepTokens(), config.stepMillis(), prefillNanosPerToken, smallNanosPerToken,
                decoding, granularity);
    }

    /** Frees a sequence's blocks and puts it first in line; its tokens are recomputed on return. */
    private void preempt(Sequence s) {
        running.remove(s);
        s.kv.release();
        if (prefixCache != null) {
            prefixCache.forget(s.kv);
        }
        s.planned = 0;
        waiting.addFirst(s);
        preemptions.incrementAndGet();
    }

    /**
     * Ends a sequence already taken out of the running and waiting lists: its blocks go back
     * first and the counters are current before its caller is woken, so whoever sees the
     * generation end also sees its resources freed.
     */
    private void retire(Sequence s, FinishReason reason, String message) {
        s.kv.release();
        if (prefixCache != null) {
            prefixCache.forget(s.kv);
        }
        runningCount = running.size();
        finished.incrementAndGet();
        s.generation.finish(reason, message, System.nanoTime());
    }

    private void failAll(FinishReason reason, String message) {
        List<Sequence> all = new ArrayList<>(running);
        all.addAll(waiting);
        running.clear();
        waiting.clear();
        for (Sequence s : all) {
            if (s.generation.admittedNanos() == 0) {
                waitingCount.decrementAndGet();
            }
            retire(s, reason, message);
        }
    }

    /** Samples every sequence that has a logits row, in parallel across the compute pool. */
    private final class SampleOp implements io.jllm.engine.kernel.ComputePool.Task {
        final int[] results;
        final Sequence[] byRow;
        int count;

        SampleOp(int rows) {
            results = new int[rows];
            byRow = new Sequence[rows];
        }

        void prepare() {
            count = 0;
            for (Sequence s : running) {
                if (s.logitsRow >= 0) {
                    byRow[s.logitsRow] = s;
                    count = Math.max(count, s.logitsRow + 1);
                }
            }
        }

        @Override
        public void run(int row, int member) {
            Sequence s = byRow[row];
            int token = s.sampler.sample(forward.logits(), row * vocabSize, vocabSize);
            s.sampler.accept(token);
            results[row] = token;
        }
    }

    /**
     * Stops taking requests, lets running and waiting ones finish for up to {@code drainMillis},
     * then ends the rest with ERROR and stops the thread.
     */
    public void shutdown(long drainMillis) {
        accepting = false;
        drainDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
        try {
            thread.join(drainMillis + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
        }
    }

    @Override
    public void close() {
        shutdown(0);
    }
}
