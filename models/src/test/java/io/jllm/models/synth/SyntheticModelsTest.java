package io.jllm.models.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.GgufFile;
import io.jllm.gguf.GgufTensorInfo;
import io.jllm.models.hf.Qwen3Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Synthetic files written for real and read back with the GGUF reader. */
class SyntheticModelsTest {
    @TempDir
    Path dir;

    @Test
    void theTinyModelReadsBackAsPlanned() throws IOException {
        Path path = SyntheticModels.cached(ModelPreset.TINY, Ftype.Q4_K_M, 42);
        List<PlannedTensor> plan = TensorPlan.of(ModelPreset.TINY, Ftype.Q4_K_M);
        try (GgufFile file = GgufFile.open(path)) {
            assertEquals(3, file.version());
            assertEquals(Qwen3Metadata.build(ModelPreset.TINY, Ftype.Q4_K_M, 42,
                    Qwen3Tokenizer.bundledMetadata(151_936)), file.metadata().asMap());
            List<GgufTensorInfo> tensors = file.tensors();
            assertEquals(plan.size(), tensors.size());
            for (int i = 0; i < plan.size(); i++) {
                PlannedTensor p = plan.get(i);
                GgufTensorInfo t = tensors.get(i);
                assertEquals(p.name(), t.name());
                assertEquals(p.type(), t.type(), p.name());
                assertArrayEquals(p.shape(), t.shape(), p.name());
                assertEquals(p.byteSize(), t.byteSize(), p.name());
            }
        }
    }

    @Test
    void everyTensorOfTheTinyModelHasTheIntendedDistribution() throws IOException {
        try (GgufFile file = GgufFile.open(SyntheticModels.cached(ModelPreset.TINY, Ftype.Q4_K_M, 42))) {
            for (PlannedTensor p : TensorPlan.of(ModelPreset.TINY, Ftype.Q4_K_M)) {
                WeightStats.check(file, file.requireTensor(p.name()), WeightScheme.of(p.role(), p.layer(), ModelPreset.TINY));
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameBytesWithAnyThreadCount() throws IOException {
        Path one = dir.resolve("one.gguf");
        Path two = dir.resolve("two.gguf");
        Path other = dir.resolve("other.gguf");
        SyntheticModels.write(ModelPreset.TINY, Ftype.F16, 5, one, null, 1);
        SyntheticModels.write(ModelPreset.TINY, Ftype.F16, 5, two, null, 3);
        SyntheticModels.write(ModelPreset.TINY, Ftype.F16, 6, other, null, 2);
        assertEquals(-1, Files.mismatch(one, two), "same seed, 1 vs 3 threads");
        assertNotEquals(-1, Files.mismatch(one, other), "different seeds");
        try (GgufFile file = GgufFile.open(one)) {
            // the seed is in the metadata too ("seed 5" and "seed 6" take the same bytes): the weights must differ
            assertTrue(differsAfter(one, other, file.dataOffset()));
        }
    }

    @Test
    void theCacheWritesOnceAndReusesTheFile() throws IOException {
        // temporary files other processes left (a killed server, a run in progress) are not this call's
        Path cacheDir = Path.of(System.getProperty("java.io.tmpdir"), "jllm-models");
        Files.createDirectories(cacheDir);
        List<Path> before;
        try (var files = Files.list(cacheDir)) {
            before = files.filter(p -> p.toString().endsWith(".partial")).toList();
        }
        Path first = SyntheticModels.cached(ModelPreset.TINY, Ftype.Q4_K_M, 42);
        long modified = Files.getLastModifiedTime(first).toMillis();
        Path again = SyntheticModels.cached(ModelPreset.TINY, Ftype.Q4_K_M, 42);
        assertEquals(first, again);
        assertEquals(modified, Files.getLastModifiedTime(again).toMillis());
        assertTrue(first.getFileName().toString().matches("tiny-q4_k_m-42-[0-9a-f]{12}\\.gguf"), first.toString());
        try (var siblings = Files.list(first.getParent())) {
            List<Path> partial = new ArrayList<>(siblings.filter(p -> p.toString().endsWith(".partial")).toList());
            partial.removeAll(before);
            assertEquals(List.of(), partial, "no temporary files left behind");
        }
    }

    @Test
    void writingANewVersionKeepsOnlyTheNewestRecentVersions() throws IOException {
        long seed = System.nanoTime() & Long.MAX_VALUE; // a model no earlier run has cached
        Path cacheDir = Path.of(System.getProperty("java.io.tmpdir"), "jllm-models");
        Files.createDirectories(cacheDir);
        // four versions from the last hour, newest first: a busy day of rebuilt jars
        List<Path> versions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path p = cacheDir.resolve("tiny-f32-" + seed + "-00000000000" + i + ".gguf");
            Files.writeString(p, "old");
            Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(
                    System.currentTimeMillis() - (i + 1) * 60_000L));
            versions.add(p);
        }
        Path writing = cacheDir.resolve("tiny-f32-" + seed + "-000000000003.gguf789.partial");
        Files.writeString(writing, "old");
        Path written = SyntheticModels.cached(ModelPreset.TINY, Ftype.F32, seed);
        try {
            assertEquals(2, SyntheticModels.RECENT_VERSIONS_KEPT);
            assertTrue(Files.exists(versions.get(0)) && Files.exists(versions.get(1)),
                    "the two newest other versions may be in use by other checkouts");
            assertTrue(Files.notExists(versions.get(2)) && Files.notExists(versions.get(3)),
                    "older versions beyond those are removed though under a day old");
            assertTrue(Files.exists(writing), "a recent temporary file may still be being written");
        } finally {
            List<Path> all = new ArrayList<>(versions);
            all.add(writing);
            all.add(written);
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void writingANewVersionRemovesDayOldVersionsOfTheSameModelOnly() throws IOException {
        long seed = System.nanoTime() & Long.MAX_VALUE; // a model no earlier run has cached
        Path cacheDir = Path.of(System.getProperty("java.io.tmpdir"), "jllm-models");
        Files.createDirectories(cacheDir);
        Path stale = cacheDir.resolve("tiny-f32-" + seed + "-000000000000.gguf");
        Path recent = cacheDir.resolve("tiny-f32-" + seed + "-111111111111.gguf");
        Path otherSeed = cacheDir.resolve("tiny-f32-" + seed + "1-000000000000.gguf");
        // what a writer killed mid-write leaves: long ago, and just now (it may still be writing)
        Path killedWriter = cacheDir.resolve("tiny-f32-" + seed + "-000000000000.gguf123.partial");
        Path writing = cacheDir.resolve("tiny-f32-" + seed + "-111111111111.gguf456.partial");
        for (Path p : List.of(stale, recent, otherSeed, killedWriter, writing)) {
            Files.writeString(p, "old");
        }
        java.nio.file.attribute.FileTime twoDaysAgo = java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - 48 * 3600 * 1000L);
        Files.setLastModifiedTime(stale, twoDaysAgo);
        Files.setLastModifiedTime(otherSeed, twoDaysAgo);
        Files.setLastModifiedTime(killedWriter, twoDaysAgo);
        Path written = SyntheticModels.cached(ModelPreset.TINY, Ftype.F32, seed);
        try {
            assertTrue(Files.exists(written));
            assertTrue(Files.notExists(stale), "a day-old version of the same model is removed");
            assertTrue(Files.exists(recent), "a recent version may be in use by another checkout");
            assertTrue(Files.exists(otherSeed), "another model is not touched");
            assertTrue(Files.notExists(killedWriter), "a day-old temporary file of the same model is removed");
            assertTrue(Files.exists(writing), "a recent temporary file may still be being written");
        } finally {
            for (Path p : List.of(written, stale, recent, otherSeed, killedWriter, writing)) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void writingIntoAMissingDirectoryFailsBeforeAnyWork() {
        Path out = dir.resolve("missing/model.gguf");
        IOException e = assertThrows(IOException.class,
                () -> SyntheticModels.write(ModelPreset.TINY, Ftype.F16, 1, out, null));
        assertEquals("cannot write " + out + ": directory " + out.getParent() + " does not exist", e.getMessage());
    }

    @Test
    void zeroThreadsIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> SyntheticModels.write(ModelPreset.TINY, Ftype.F16, 1, dir.resolve("x.gguf"), null, 0));
    }

    private static boolean differsAfter(Path a, Path b, long offset) throws IOException {
        byte[] x = Files.readAllBytes(a);
        byte[] y = Files.readAllBytes(b);
        return !java.util.Arrays.equals(x, (int) offset, x.length, y, (int) offset, y.length);
    }
}
