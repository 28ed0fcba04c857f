package io.jllm.engine.kv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Keys and values of every running sequence in one preallocated off-heap pool of fixed-size
 * blocks, as vLLM's paged attention keeps them: a sequence owns a table of block ids
 * ({@link KvSequence}) and grows a block at a time, so memory is never reserved for context a
 * sequence does not use, and a finished or cancelled sequence returns its blocks at once.
 *
 * <p>Layout: for each layer, K and V are separate segments of {@code blocks} blocks; within a
 * block, each KV head's rows (one per position, {@code headDim} values) lie side by side, head
 * after head: element {@code i} of head {@code h} at offset {@code o} of block {@code b} is at
 * {@code b*blockStride() + headOffset(h) + o*rowStride() + i}. Attention reads one head's keys and
 * values position after position, so it streams a block's rows of that head from one contiguous
 * run (4 KiB for Qwen3's F16 heads of 128). With a token's heads side by side instead, a head's
 * rows were 2 KiB apart, a new page every other position, and a prefill tile at 1,000 positions
 * over 28 layers waited on those loads (one thread: 660-850 ns a position, 500-740 with this
 * layout; bench/KERNELS.md). Blocks carry a reference count so a full block of a shared prompt
 * prefix can belong to several sequences (prefix caching).
 *
 * <p>Threading: blocks are allocated and released by the one thread that runs the scheduler; the
 * counters read by metrics are volatile.
 */
public final class PagedKvCache implements AutoCloseable {
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int kvDim;
    private final int blockSize;
    private final int blocks;
    private final KvType type;
    private final Arena arena;
    private final MemorySegment[] keys;
    private final MemorySegment[] values;
    private final int[] refCounts;
    private final int[] freeStack;
    private int freeTop;
    private volatile int usedBlocks;
    private java.util.function.BooleanSupplier evictor;

    public PagedKvCache(int layers, int kvHeads, int headDim, int blockSize, int blocks, KvType type) {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || blockSize <= 0 || blocks <= 0) {
            throw new IllegalArgumentException("KV cache sizes must be positive: layers=" + layers + " kvHeads="
                    + kvHeads + " headDim=" + headDim + " blockSize=" + blockSize + " blocks=" + blocks);
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvDim = kvHeads * headDim;
        this.blockSize = blockSize;
        this.blocks = blocks;
        this.type = type;
        this.arena = Arena.ofShared();
        long bytes = (long) blocks * blockSize * kvDim * type.bytes();
        this.keys = new MemorySegment[layers];
        this.values = new MemorySegment[layers];
        try {
            for (int l = 0; l < layers; l++) {
                keys[l] = LazyZeroMemory.allocate(bytes, arena);
                values[l] = LazyZeroMemory.allocate(bytes, arena);
            }
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new IllegalArgumentException("cannot allocate a KV cache of " + (2L * layers * bytes >> 20)
                    + " MiB off-heap; choose a smaller --kv-cache", e);
        }
        this.refCounts = new int[blocks];
        this.freeStack = new int[blocks];
        for (int i = 0; i < blocks; i++) {
            freeStack[i] = blocks - 1 - i;
        }
        this.freeTop = blocks;
    }

    /** Bytes of one token's keys and values over all layers. */
    public static long bytesPerToken(int layers, int kvDim, KvType type) {
        return 2L * layers * kvDim * type.bytes();
    }

    public int blockSize() {
        return blockSize;
    }

    public int totalBlocks() {
        return blocks;
    }

    public int usedBlocks() {
        return usedBlocks;
    }

    public int freeBlocks() {
        return blocks - usedBlocks;
    }

    public KvType type() {
        return type;
    }

    public int kvDim() {
        return kvDim;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headDim() {
        return headDim;
    }

    /** Elements of one block (all heads, all its positions) in a layer's keys or values. */
    public long blockStride() {
        return (long) blockSize * kvDim;
    }

    /** Where head {@code kvHead}'s rows start within a block. */
    public long headOffset(int kvHead) {
        return (long) kvHead * blockSize * headDim;
    }

    /** From one position's row of a head to the next position's within a block. */
    public int rowStride() {
        return headDim;
    }

    /** Where head {@code kvHead}'s row of {@code slot} starts (see the class comment). */
    public long row(long slot, int kvHead) {
        long block = slot / blockSize;
        return block * blockStride() + headOffset(kvHead) + (slot - block * blockSize) * headDim;
    }

    public int layers() {
        return layers;
    }

    public long totalBytes() {
        return 2L * layers * blocks * blockSize * kvDim * type.bytes();
    }

    /**
     * Called when no block is free, to release one held only by a cache (the prefix cache);
     * returns whether it did.
     */
    public void setEvictor(java.util.function.BooleanSupplier evictor) {
        this.evictor = evictor;
    }

    /** Takes a free block (reference count 1), or returns -1 when none is left. */
    public int allocate() {
        if (freeTop == 0 && (evictor == null || !evictor.getAsBoolean())) {
            return -1;
        }
        int block = freeStack[--freeTop];
        refCounts[block] = 1;
        usedBlocks = blocks - freeTop;
        return block;
    }

    /** Adds an owner to a block in use (a sequence sharing a cached prefix block). */
    public void retain(int block) {
        if (refCounts[block] <= 0) {
            throw new IllegalStateException("block " + block + " is free and cannot be shared");
        }
        refCounts[block]++;
    }

    /** Drops one owner; the block is free again when none is left. Returns whether it was freed. */
    public boolean release(int block) {
        if (refCounts[block] <= 0) {
            throw new IllegalStateException("block " + block + " released more often than it was taken");
        }
        if (--refCounts[block] == 0) {
            freeStack[freeTop++] = block;
            usedBlocks = blocks - freeTop;
            return true;
        }
        return false;
    }

    public int refCount(int block) {
        return refCounts[block];
    }

    /** The keys of {@code layer}; slot {@code s}, head {@code h} starts at element {@link #row row(s, h)}. */
    public MemorySegment keys(int layer) {
        return keys[layer];
    }

    public MemorySegment values(int layer) {
        return values[layer];
    }

    /**
     * Stores one token's keys and values (kvDim floats each, head after head) at {@code slot} of
     * {@code layer}.
     */
    public void store(int layer, long slot, float[] k, int kOffset, float[] v, int vOffset) {
        store(layer, slot, k, kOffset, v, vOffset, new short[headDim]);
    }

    /**
     * {@link #store(int, long, float[], int, float[], int)} with the caller's scratch of at least
     * {@link #headDim()} shorts (nothing allocated): one thread's, as several may store at once
     * (different slots).
     */
    public void store(int layer, long slot, float[] k, int kOffset, float[] v, int vOffset, short[] scratch) {
        MemorySegment ks = keys[layer];
        MemorySegment vs = values[layer];
        long first = row(slot, 0);
        for (int h = 0; h < kvHeads; h++) {
            long base = first + headOffset(h);
            int from = h * headDim;
            if (type == KvType.F16) {
                // converted in an array loop (which C2 vectorizes: vcvtps2ph) and copied in bulk;
                // element by element into the segment it stayed scalar
                toHalves(k, kOffset + from, scratch, headDim);
                MemorySegment.copy(scratch, 0, ks, F16, base * 2, headDim);
                toHalves(v, vOffset + from, scratch, headDim);
                MemorySegment.copy(scratch, 0, vs, F16, base * 2, headDim);
            } else {
                MemorySegment.copy(k, kOffset + from, ks, F32, base * 4, headDim);
                MemorySegment.copy(v, vOffset + from, vs, F32, base * 4, headDim);
            }
        }
    }

    private static void toHalves(float[] x, int off, short[] out, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = Float.floatToFloat16(x[off + i]);
        }
    }

    /** Reads element {@code index} ({@link #row} + offset) of a key or value segment as a float. */
    public float read(MemorySegment segment, long index) {
        return type == KvType.F16 ? Float.float16ToFloat(segment.getAtIndex(F16, index)) : segment.getAtIndex(F32, index);
    }

    @Override
    public void close() {
        arena.close();
    }
}
