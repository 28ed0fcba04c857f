package io.jllm.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of bad file, hand-built, gives a GgufFormatException naming the right field and offset. */
class GgufValidationTest {
    /** Offset of the first key/value pair, right after the 24-byte header. */
    private static final long KV0 = 24;

    @TempDir
    Path dir;

    private static GgufFormatException fails(GgufBytes b, String field, long offset, String... fragments) {
        GgufFormatException e = assertThrows(GgufFormatException.class, b::parse);
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().startsWith("test.gguf: " + field + " at byte " + offset + ": "), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        }
        return e;
    }

    /** Bytes after a broken tensor entry, so the header's tensor count alone is plausible. */
    private static final byte[] FILLER = new byte[64];

    /** A header for one tensor and no keys, then the start of a tensor entry named "t". */
    private static GgufBytes oneTensor() {
        return GgufBytes.header(3, 1, 0).str("t");
    }

    @Test
    void tooSmallOrForeignFilesAreNamedAsSuch() {
        fails(new GgufBytes(), "magic", 0, "only 0 bytes");
        fails(new GgufBytes().raw('G', 'G', 'U'), "magic", 0, "only 3 bytes");
        fails(new GgufBytes().raw('P', 'K', 3, 4, 20, 0), "magic", 0, "not a GGUF file", "\"PK....\"", "50 4b 03 04 14 00");
        fails(new GgufBytes().raw('l', 'm', 'g', 'g', 1, 0, 0, 0), "magic", 0, "pre-GGUF GGML model");
        fails(new GgufBytes().raw('{', '"', 'a'), "magic", 0, "not a GGUF file", "\"{\"a\"");
    }

    @Test
    void versionsOtherThan2And3AreRejectedWithTheReason() {
        fails(GgufBytes.header(1, 0, 0), "version", 4, "version 1 is obsolete");
        fails(GgufBytes.header(0x0300_0000, 0, 0), "version", 4, "big-endian");
        fails(GgufBytes.header(4, 0, 0), "version", 4, "unsupported GGUF version 4", "2 and 3");
        fails(GgufBytes.header(0, 0, 0), "version", 4, "unsupported GGUF version 0");
    }

    @Test
    void countsThatCannotFitInTheFileAreRejectedBeforeAnythingIsAllocated() {
        fails(new GgufBytes().raw('G', 'G', 'U', 'F').u32(3).u32(0), "tensor count", 8, "needs 8 bytes", "file ends at byte 12");
        fails(GgufBytes.header(3, 1L << 60, 0), "tensor count", 8, "1152921504606846976 tensors cannot fit");
        fails(GgufBytes.header(3, 0, -1), "metadata count", 16, "18446744073709551615 key/value pairs");
        fails(GgufBytes.header(3, 0, 1).u64(0).u32(0), "metadata count", 16, "cannot fit");
    }

    @Test
    void absurdStringLengthsAreRejected() {
        fails(GgufBytes.header(3, 0, 1).u64(1L << 60).raw(new byte[20]), "metadata key #0", KV0,
                "string length 1152921504606846976 exceeds the 20 bytes left");
        fails(GgufBytes.header(3, 0, 1).u64(-1).raw(new byte[20]), "metadata key #0", KV0, "18446744073709551615");
        fails(GgufBytes.header(3, 0, 1).str("k").u32(8).u64(100).raw(new byte[10]), "metadata 'k'", KV0 + 13,
                "string length 100 exceeds the 10 bytes left");
    }

    @Test
    void keysMustBeNonEmptyUniqueAndOfAKnownType() {
        fails(GgufBytes.header(3, 0, 1).str("").u32(4).u32(1), "metadata key #0", KV0, "empty key");
        GgufBytes dup = GgufBytes.header(3, 0, 2).kvU32("a", 1);
        long second = dup.size();
        fails(dup.kvU32("a", 2), "metadata key #1", second, "duplicate key 'a'");
        fails(GgufBytes.header(3, 0, 1).str("a").u32(13).u32(0), "metadata 'a' type", KV0 + 9, "unknown value type id 13");
        fails(GgufBytes.header(3, 0, 1).str("a").u32(0xFFFF_FFFFL).u32(0), "metadata 'a' type", KV0 + 9, "4294967295");
    }

    @Test
    void stringsMustBeValidUtf8() throws Exception {
        long value = KV0 + 8 + 1 + 4;
        fails(GgufBytes.header(3, 0, 1).str("s").u32(8).u64(2).raw(0xC3, 0x28), "metadata 's'", value, "not valid UTF-8");
        // Overlong encoding of '/', a classic way to sneak past naive decoders.
        fails(GgufBytes.header(3, 0, 1).str("s").u32(8).u64(2).raw(0xC0, 0xAF), "metadata 's'", value, "not valid UTF-8");
        // A UTF-16 surrogate encoded as UTF-8 (CESU-8) is not UTF-8 either.
        fails(GgufBytes.header(3, 0, 1).str("s").u32(8).u64(3).raw(0xED, 0xA0, 0x80), "metadata 's'", value, "not valid UTF-8");
        fails(GgufBytes.header(3, 0, 1).u64(1).raw(0xFF).u32(4).u32(1), "metadata key #0", KV0, "not valid UTF-8");
        // A genuine U+FFFD is valid and must not be mistaken for a decoding error.
        try (GgufFile f = GgufBytes.header(3, 0, 1).str("s").u32(8).u64(3).raw(0xEF, 0xBF, 0xBD).parse()) {
            assertEquals("\uFFFD", f.metadata().string("s"));
        }
        // Invalid bytes inside a string array name the element.
        GgufBytes arr = GgufBytes.header(3, 0, 1).str("a").u32(9).u32(8).u64(2).str("ok");
        long second = arr.size();
        fails(arr.u64(1).raw(0x80), "metadata 'a'[1]", second, "not valid UTF-8");
    }

    @Test
    void arrayCountsAreCheckedAgainstTheBytesLeftAndTheLimit() {
        long count = KV0 + 9 + 4 + 4;
        fails(GgufBytes.header(3, 0, 1).str("a").u32(9).u32(5).u64(1000).raw(new byte[40]), "metadata 'a' element count",
                count, "1000 INT32 elements needs at least 4000 bytes but only 40 are left");
        fails(GgufBytes.header(3, 0, 1).str("a").u32(9).u32(8).u64(100).raw(new byte[40]), "metadata 'a' element count",
                count, "100 STRING elements");
        fails(GgufBytes.header(3, 0, 1).str("a").u32(9).u32(0).u64((1L << 30) + 1).raw(new byte[40]),
                "metadata 'a' element count", count, "exceeds the limit of 1073741824");
        fails(GgufBytes.header(3, 0, 1).str("a").u32(9).u32(8).u64(1L << 62).raw(new byte[40]),
                "metadata 'a' element count", count, "4611686018427387904");
        fails(GgufBytes.header(3, 0, 1).str("a").u32(9).u32(14).u64(0), "metadata 'a' element type", KV0 + 13,
                "unknown value type id 14");
    }

    @Test
    void deeplyNestedArraysStopAtALimitInsteadOfOverflowingTheStack() throws Exception {
        GgufBytes ok = GgufBytes.header(3, 0, 1).str("a").u32(9);
        for (int i = 0; i < MetadataReader.MAX_NESTING - 1; i++) {
            ok.u32(9).u64(1);
        }
        ok.u32(5).u64(0);
        try (GgufFile f = ok.parse()) {
            assertEquals(GgufValueType.ARRAY, f.metadata().array("a").elementType());
        }
        GgufBytes deep = GgufBytes.header(3, 0, 1).str("a").u32(9);
        for (int i = 0; i < 100_000; i++) {
            deep.u32(9).u64(1);
        }
        GgufFormatException e = assertThrows(GgufFormatException.class, deep::parse);
        assertTrue(e.getMessage().contains("nested more than 32 deep"), e.getMessage());
    }

    @Test
    void generalAlignmentMustBeAUint32PowerOfTwo() {
        long value = KV0 + 8 + 17 + 4;
        fails(GgufBytes.header(3, 0, 1).str("general.alignment").u32(5).u32(64), "metadata 'general.alignment'", value,
                "must be of type UINT32, found INT32");
        fails(GgufBytes.header(3, 0, 1).kvU32("general.alignment", 48), "metadata 'general.alignment'", value,
                "48 is not a power of two");
        fails(GgufBytes.header(3, 0, 1).kvU32("general.alignment", 0), "metadata 'general.alignment'", value,
                "0 is not a power of two");
        fails(GgufBytes.header(3, 0, 1).kvU32("general.alignment", 1L << 31), "metadata 'general.alignment'", value,
                "larger than jLLM supports");
    }

    @Test
    void tensorShapesAreChecked() {
        long nDims = KV0 + 9;
        fails(oneTensor().u32(0).raw(FILLER), "tensor 't' n_dims", nDims, "0 dimensions; must be 1 to 4");
        fails(oneTensor().u32(5).raw(FILLER), "tensor 't' n_dims", nDims, "5 dimensions");
        fails(oneTensor().u32(2).u64(4).u64(0).raw(FILLER), "tensor 't' dimension 1", nDims + 12, "size 0");
        fails(oneTensor().u32(1).u64(-1).raw(FILLER), "tensor 't' dimension 0", nDims + 4, "size -1 (as signed");
        fails(oneTensor().u32(3).u64(1L << 32).u64(1L << 30).u64(4).raw(FILLER), "tensor 't' dimension 2", nDims + 20,
                "element count overflows");
        // 2^62 F32 elements fit in a long, their 2^64 bytes do not.
        fails(oneTensor().u32(1).u64(1L << 62).u32(GgmlType.F32.id()).u64(0).raw(FILLER), "tensor 't' type", nDims + 12,
                "overflow a 64-bit byte size");
        fails(oneTensor().u32(1).u64(16).u32(GgmlType.Q4_0.id()).u64(0).raw(FILLER), "tensor 't' dimension 0", nDims + 4,
                "row length 16 is not a multiple of Q4_0's block size 32");
        fails(oneTensor().u32(4).u64(8).u64(8).raw(new byte[4]), "tensor 't' dimension 2", nDims + 20, "needs 8 bytes");
    }

    @Test
    void tensorTypesMustBeKnown() {
        long type = KV0 + 9 + 4 + 8;
        fails(oneTensor().u32(1).u64(32).u32(4).u64(0).raw(FILLER), "tensor 't' type", type, "unknown ggml type id 4");
        fails(oneTensor().u32(1).u64(32).u32(0x7FFF_FFFF).u64(0).raw(FILLER), "tensor 't' type", type, "unknown ggml type id 2147483647");
    }

    @Test
    void tensorNamesMustBeUnique() {
        GgufBytes b = GgufBytes.header(3, 2, 0).tensorInfo("t", GgmlType.F32, 0, 8);
        long second = b.size();
        fails(b.tensorInfo("t", GgmlType.F32, 32, 8).pad(32).raw(new byte[64]), "tensor #1 name", second,
                "duplicate tensor name 't'");
    }

    @Test
    void tensorDataMustBeAlignedInsideTheFileAndNotOverlap() {
        long offsetField = KV0 + 9 + 4 + 8 + 4;
        fails(GgufBytes.header(3, 1, 0).tensorInfo("t", GgmlType.F32, 4, 8).pad(32).raw(new byte[64]),
                "tensor 't' offset", offsetField, "data offset 4 is not a multiple of the alignment 32");
        fails(GgufBytes.header(3, 1, 0).tensorInfo("t", GgmlType.F32, 1L << 63, 8).pad(32).raw(new byte[64]),
                "tensor 't' offset", offsetField, "9223372036854775808 is beyond the end of any file");
        fails(GgufBytes.header(3, 1, 0).tensorInfo("t", GgmlType.F32, 0, 8).pad(32).raw(new byte[31]),
                "tensor 't' offset", offsetField, "data of 32 bytes at data offset 0 (file byte 64) runs past the end of the file (95 bytes)");
        fails(GgufBytes.header(3, 1, 0).tensorInfo("t", GgmlType.F32, 1L << 40, 8).pad(32).raw(new byte[64]),
                "tensor 't' offset", offsetField, "runs past the end");

        GgufBytes overlap = GgufBytes.header(3, 2, 0).tensorInfo("a", GgmlType.F32, 0, 16);
        long bOffset = overlap.size() + 9 + 4 + 8 + 4;
        fails(overlap.tensorInfo("b", GgmlType.F32, 32, 8).pad(32).raw(new byte[64]), "tensor 'b' offset", bOffset,
                "overlaps tensor 'a' (offset 0, 64 bytes)");
    }

    @Test
    void aTruncatedPaddingBeforeTheDataSectionIsReported() {
        GgufBytes b = GgufBytes.header(3, 1, 0).tensorInfo("t", GgmlType.F32, 0, 8);
        long tableEnd = b.size();
        fails(b.raw(0, 0), "data section", tableEnd, "starts at byte 64 (after padding to 32) beyond the end of the file ("
                + (tableEnd + 2) + " bytes)");
    }

    @Test
    void openNamesTheFileAndSeparatesFormatErrorsFromOtherIoErrors() throws Exception {
        Path notGguf = dir.resolve("model.safetensors");
        Files.write(notGguf, new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(notGguf));
        assertEquals(notGguf, e.file());
        assertTrue(e.getMessage().startsWith(notGguf + ": magic at byte 0: not a GGUF file"), e.getMessage());

        Path empty = Files.createFile(dir.resolve("empty.gguf"));
        assertThrows(GgufFormatException.class, () -> GgufFile.open(empty));

        assertThrows(NoSuchFileException.class, () -> GgufFile.open(dir.resolve("missing.gguf")));
        IOException isDir = assertThrows(IOException.class, () -> GgufFile.open(dir));
        assertTrue(isDir.getMessage().contains("not a regular file"), isDir.getMessage());
    }
}
