package io.jllm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.engine.kv.KvType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line: defaults, parsing, and errors that say what to do. */
class ServerOptionsTest {
    @Test
    void defaultsServeTheDemoModelOnLoopback() {
        ServerConfig c = ServerOptions.parse();
        assertEquals(ServerConfig.defaults(null), c);
        assertTrue(c.demo());
        assertEquals("127.0.0.1", c.host());
        assertEquals(8080, c.port());
        assertEquals(Duration.ofSeconds(30), c.drain());
        assertNull(c.apiKey());
    }

    @Test
    void everyOptionIsReadAndShownInHelpWithItsDefault() {
        ServerConfig c = ServerOptions.parse("--host", "0.0.0.0", "--port", "9000", "--threads", "3", "--ctx", "2048",
                "--kv-cache", "2GiB", "--kv-type", "f32", "--parallel", "4", "--batch-tokens", "128", "--max-queue", "9",
                "--api-key", "k", "--kernels", "reference", "--chat-template", "chatml", "--max-body", "2048",
                "--drain-seconds", "5", "--warmup", "0", "--step-ms", "250");
        assertEquals(new ServerConfig(null, "0.0.0.0", 9000, 3, 2048, new KvCacheSize(-1, 2L << 30), KvType.F32, 4,
                128, 9, "k", "reference", "chatml", 2048, Duration.ofSeconds(5), ServerConfig.DEFAULT_SSE_PING, 250, 0), c);
        String help = ServerOptions.commandLine().getUsageMessage(CommandLine.Help.Ansi.OFF);
        for (String option : List.of("--model", "--host", "--port", "--threads", "--ctx", "--kv-cache", "--kv-type",
                "--parallel", "--batch-tokens", "--max-queue", "--api-key", "--kernels", "--chat-template",
                "--max-body", "--drain-seconds", "--warmup", "--step-ms")) {
            assertTrue(help.contains(option), option + " in --help");
        }
        assertTrue(help.contains("(default: 8080)") && help.contains("(default: 127.0.0.1)"), help);
        assertTrue(help.contains("JLLM_API_KEY"), help);
    }

    @Test
    void apiKeyComesFromTheEnvironmentUnlessGiven() {
        CommandLine cl = ServerOptions.commandLine();
        cl.parseArgs();
        assertEquals("env-key", ((ServerOptions) cl.getCommand()).toConfig(cl, "env-key").apiKey());
        cl.parseArgs("--api-key", "flag-key");
        assertEquals("flag-key", ((ServerOptions) cl.getCommand()).toConfig(cl, "env-key").apiKey());
    }

    @Test
    void badValuesSayWhatIsWrongAndWhatToDo(@TempDir Path dir) {
        assertError("--model " + dir.resolve("missing.gguf") + ": no such file", "--model",
                dir.resolve("missing.gguf").toString());
        assertError("it is a directory", "--model", dir.toString());
        assertError("--kv-type must be f16 or f32, got q8", "--kv-type", "q8");
        assertError("--kv-cache lots: expected a token count", "--kv-cache", "lots");
        assertError("--max-queue must be >= 1", "--max-queue", "0");
        assertError("--batch-tokens (8) must be >= --parallel (16)", "--batch-tokens", "8");
        assertError("--port must be in [0, 65535]", "--port", "70000");
        assertError("--kernels must be simd or reference", "--kernels", "gpu");
        assertError("--chat-template must be auto, qwen3 or chatml", "--chat-template", "llama3");
        assertError("--drain-seconds must be >= 0", "--drain-seconds", "-1");
        assertError("--warmup must be between 0 and 3600000 ms (the warm-up runs up to 6x it), got -5", "--warmup",
                "-5");
        assertError("--warmup must be between 0 and 3600000 ms (the warm-up runs up to 6x it), got 9223372036854775807",
                "--warmup", "9223372036854775807");
    }

    @Test
    void kvCacheSizesInTokensOrBytes() {
        assertEquals(16384, KvCacheSize.parse("16384").tokens(1024));
        assertEquals(2048, KvCacheSize.parse("2MiB").tokens(1024));
        assertEquals(2048, KvCacheSize.parse("2m").tokens(1024));
        assertEquals(1_000_000 / 1000, KvCacheSize.parse("1MB").tokens(1000));
        assertEquals((long) (1.5 * (1L << 30)) / 4096, KvCacheSize.parse("1.5GiB").tokens(4096));
        assertEquals(0, KvCacheSize.AUTO.tokens(4096));
        IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
                () -> KvCacheSize.parse("100B").tokens(4096));
        assertTrue(tooSmall.getMessage().contains("4096 bytes per token"), tooSmall.getMessage());
    }

    private static void assertError(String expected, String... args) {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> ServerOptions.parse(args));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
