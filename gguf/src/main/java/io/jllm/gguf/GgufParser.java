package io.jllm.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses and validates a whole GGUF file held in a segment: header, metadata, tensor table, data
 * section placement. Everything it rejects is a {@link GgufFormatException}; everything it accepts
 * can be sliced and read without further checks.
 *
 * <p>Layout (ggml/src/gguf.cpp, gguf-py/gguf/gguf_reader.py; all little-endian): magic "GGUF",
 * u32 version, u64 tensor count, u64 key/value count, the key/value pairs, the tensor infos, zero
 * padding to the alignment, then the data section. Versions 2 and 3 share this layout (3 only
 * allowed big-endian files, which jLLM does not read); version 1 had 32-bit counts and is obsolete.
 */
final class GgufParser {
    static final int HEADER_BYTES = 24;
    private static final byte[] MAGIC = {'G', 'G', 'U', 'F'};
    /** Smallest key/value pair: key length (8), a one-byte key, value type (4), a one-byte value. */
    private static final int MIN_KV_BYTES = 14;

    record Parsed(int version, GgufMetadata metadata, List<GgufTensorInfo> tensors, int alignment, long dataOffset) {
    }

    private GgufParser() {
    }

    static Parsed parse(MemorySegment segment, Path file) throws GgufFormatException {
        GgufCursor in = new GgufCursor(segment, file);
        checkMagic(in);
        int version = version(in);

        long tensorCount = in.u64("tensor count");
        long kvCount = in.u64("metadata count");
        long left = in.remaining();
        if (kvCount < 0 || kvCount > left / MIN_KV_BYTES) {
            throw in.error("metadata count", 16, Long.toUnsignedString(kvCount) + " key/value pairs cannot fit in the "
                    + left + " bytes after the header (each takes at least " + MIN_KV_BYTES + ")");
        }
        if (tensorCount < 0 || tensorCount > (left - kvCount * MIN_KV_BYTES) / TensorTableReader.MIN_ENTRY_BYTES) {
            throw in.error("tensor count", 8, Long.toUnsignedString(tensorCount) + " tensors cannot fit in the "
                    + left + " bytes after the header (each entry takes at least "
                    + TensorTableReader.MIN_ENTRY_BYTES + ")");
        }

        MetadataReader metadataReader = new MetadataReader(in);
        GgufMetadata metadata = new GgufMetadata(file.toString(), metadataReader.read(kvCount));
        int alignment = metadataReader.alignment();

        List<TensorEntry> entries = new TensorTableReader(in).read(tensorCount, alignment);
        long tableEnd = in.position();
        long dataOffset = (tableEnd + alignment - 1) / alignment * alignment;
        if (dataOffset > in.size()) {
            if (!entries.isEmpty()) {
                throw in.error("data section", tableEnd, "starts at byte " + dataOffset + " (after padding to "
                        + alignment + ") beyond the end of the file (" + in.size() + " bytes): the file is truncated");
            }
            // Without tensors gguf.cpp does not need the padding either; such a file is complete.
            dataOffset = in.size();
        }
        TensorLayout.check(entries, dataOffset, in.size(), file);

        List<GgufTensorInfo> tensors = new ArrayList<>(entries.size());
        for (TensorEntry e : entries) {
            tensors.add(e.info());
        }
        return new Parsed(version, metadata, List.copyOf(tensors), alignment, dataOffset);
    }

    private static void checkMagic(GgufCursor in) throws GgufFormatException {
        int n = (int) Math.min(8, in.size());
        byte[] first = new byte[n];
        MemorySegment.copy(in.segment(), ValueLayout.JAVA_BYTE, 0, first, 0, n);
        for (int i = 0; i < Math.min(n, MAGIC.length); i++) {
            if (first[i] != MAGIC[i]) {
                throw in.error("magic", 0, "not a GGUF file: it starts with " + describe(first)
                        + ", a GGUF file with \"GGUF\"" + legacyHint(first));
            }
        }
        if (n < MAGIC.length) {
            throw in.error("magic", 0, "the file is only " + in.size() + " bytes; a GGUF header takes " + HEADER_BYTES);
        }
        in.seek(MAGIC.length);
    }

    private static int version(GgufCursor in) throws GgufFormatException {
        long v = in.u32("version");
        if (v == 2 || v == 3) {
            return (int) v;
        }
        String problem;
        if (v == 1) {
            problem = "GGUF version 1 is obsolete and not supported; re-convert the model with a current llama.cpp";
        } else if (v != 0 && (v & 0xFFFF) == 0) {
            problem = "version " + v + " looks like a big-endian GGUF file, which jLLM does not read; use a little-endian one";
        } else {
            problem = "unsupported GGUF version " + v + "; jLLM reads versions 2 and 3";
        }
        throw in.error("version", 4, problem);
    }

    /** The first bytes as text where printable, and as hex, so a user can recognize what the file is. */
    private static String describe(byte[] first) {
        StringBuilder text = new StringBuilder("\"");
        StringBuilder hex = new StringBuilder();
        for (byte b : first) {
            text.append(b >= 0x20 && b < 0x7F ? (char) b : '.');
            hex.append(hex.isEmpty() ? "" : " ").append(String.format("%02x", b & 0xFF));
        }
        return text.append("\" (").append(hex).append(')').toString();
    }

    private static String legacyHint(byte[] first) {
        String head = new String(first, 0, Math.min(4, first.length), StandardCharsets.ISO_8859_1);
        // The pre-GGUF formats stored their magic as a little-endian u32, so 'ggml' reads "lmgg".
        return switch (head) {
            case "lmgg", "fmgg", "tjgg", "algg" ->
                    " (this is a pre-GGUF GGML model; convert the original weights with a current llama.cpp)";
            default -> "";
        };
    }
}
