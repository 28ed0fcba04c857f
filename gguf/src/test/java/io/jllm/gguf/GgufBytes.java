package io.jllm.gguf;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Builds GGUF bytes by hand, field by field, independently of {@link GgufWriter}: tests use it to
 * make files the writer would refuse to (v2, corrupt fields) and to check the writer's layout.
 */
final class GgufBytes {
    static final int STRING = 8;
    static final int ARRAY = 9;
    static final int UINT32 = 4;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static GgufBytes header(int version, long tensors, long kvs) {
        return new GgufBytes().raw('G', 'G', 'U', 'F').u32(version).u64(tensors).u64(kvs);
    }

    GgufBytes raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    GgufBytes raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    GgufBytes u8(int v) {
        out.write(v);
        return this;
    }

    GgufBytes u32(long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    GgufBytes u64(long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    GgufBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return u64(b.length).raw(b);
    }

    GgufBytes kvU32(String key, long v) {
        return str(key).u32(UINT32).u32(v);
    }

    GgufBytes kvString(String key, String v) {
        return str(key).u32(STRING).str(v);
    }

    GgufBytes tensorInfo(String name, GgmlType type, long offset, long... dims) {
        str(name).u32(dims.length);
        for (long d : dims) {
            u64(d);
        }
        return u32(type.id()).u64(offset);
    }

    GgufBytes pad(int alignment) {
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    GgufFile parse() throws GgufFormatException {
        return GgufFile.parse(MemorySegment.ofArray(bytes()), Path.of("test.gguf"));
    }
}
