package io.jllm.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

    @TempDir
    Path dir;

    @Test
    void writesPngCharts() throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path bars = Plots.bars(dir.resolve("a/bars.png"), "t", "tokens/s", List.of("Q4_K_M", "Q8_0"),
                Plots.series("jLLM", new double[] {40, 30}, "llama.cpp", new double[] {38, Double.NaN}));
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(Files.readAllBytes(bars), 4));
        Path lines = Plots.lines(dir.resolve("lines.png"), "t", "concurrency", "tokens/s",
                Plots.series("jLLM", new double[][] {{1, 2, 4}, {40, 70, Double.NaN}}), true);
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(Files.readAllBytes(lines), 4));
    }

    @Test
    void nothingToDrawWritesNoFile() throws Exception {
        Path out = dir.resolve("empty.png");
        assertNull(Plots.bars(out, "t", "y", List.of("a"), Plots.series("llama.cpp", new double[] {Double.NaN})));
        assertEquals(false, Files.exists(out));
    }

    @Test
    void log2AxisIsLabelledAtPowersOfTwo() {
        assertEquals("1", Plots.powerOfTwoLabel(0));
        assertEquals("8", Plots.powerOfTwoLabel(3));
        assertEquals("32", Plots.powerOfTwoLabel(5.0000000001));
        assertEquals("", Plots.powerOfTwoLabel(2.5));
    }
}
