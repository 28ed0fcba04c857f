package io.jllm.gguf.quant;

import io.jllm.gguf.GgmlType;
import java.lang.foreign.ValueLayout;

/**
 * ggml's BF16: the top 16 bits of a binary32, little-endian.
 *
 * <p>Encoding follows {@code ggml_compute_fp32_to_bf16} (ggml/src/ggml-impl.h): NaNs are truncated and forced
 * quiet (bit 6 of the result set), everything else rounds to nearest even on the dropped 16 bits, so
 * large finite values can round up to infinity and subnormals are kept. Decoding is an exact shift.
 */
public final class BF16Block extends SixteenBitFloatCodec {
    public static final int BLOCK_SIZE = 1;
    public static final int BLOCK_BYTES = 2;
    public static final ValueLayout.OfShort LAYOUT = SixteenBitFloatCodec.LAYOUT;

    public static final BF16Block INSTANCE = new BF16Block();

    private BF16Block() {
        super(GgmlType.BF16);
    }

    /** bf16 bits to float: exact, NaN payloads kept. */
    public static float toFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    /** float to bf16 bits, as ggml encodes them (see the class comment). */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) (bits >>> 16 | 0x40);
        }
        return (short) ((bits + 0x7FFF + (bits >>> 16 & 1)) >>> 16);
    }

    @Override
    float decodeValue(short bits) {
        return toFloat(bits);
    }

    @Override
    short encodeValue(float value) {
        return fromFloat(value);
    }
}
