package io.jllm.gguf.quant;

import io.jllm.gguf.GgmlType;
import java.lang.foreign.ValueLayout;

/**
 * ggml's F16: one little-endian IEEE binary16 per element; also the conversions every block type with an
 * fp16 scale uses.
 *
 * <p>The conversions match ggml's portable {@code ggml_compute_fp32_to_fp16} / {@code ggml_compute_fp16_to_fp32}
 * (ggml/src/ggml-impl.h), which is what {@code GGML_FP32_TO_FP16} means in the reference quantizers: finite
 * values round to nearest even (so anything at or above 65520 in magnitude becomes infinity, and values
 * below half the smallest subnormal become signed zero), infinities are kept, and every NaN becomes the
 * canonical quiet NaN {@code 0x7E00} with its sign (payload dropped). Decoding quiets signalling NaNs and
 * keeps their payload, as ggml's float multiply does.
 */
public final class F16Block extends SixteenBitFloatCodec {
    public static final int BLOCK_SIZE = 1;
    public static final int BLOCK_BYTES = 2;
    public static final ValueLayout.OfShort LAYOUT = SixteenBitFloatCodec.LAYOUT;

    public static final F16Block INSTANCE = new F16Block();

    private F16Block() {
        super(GgmlType.F16);
    }

    /** fp16 bits to float, as ggml decodes them. */
    public static float toFloat(short h) {
        if ((h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0) {
            return Float.intBitsToFloat((h & 0x8000) << 16 | 0x7FC00000 | (h & 0x03FF) << 13);
        }
        return Float.float16ToFloat(h);
    }

    /** float to fp16 bits, as ggml encodes them (see the class comment for NaN and overflow). */
    public static short fromFloat(float f) {
        if (Float.isNaN(f)) {
            return (short) ((Float.floatToRawIntBits(f) >>> 16 & 0x8000) | 0x7E00);
        }
        return Float.floatToFloat16(f);
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
