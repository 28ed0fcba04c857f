package io.jllm.server;

import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.model.Qwen3Forward;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import picocli.CommandLine;

/** {@code jllm server}: parses the command line, starts the server, stops it gracefully on SIGTERM or Ctrl-C. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        CommandLine cl = ServerOptions.commandLine();
        ServerConfig config;
        try {
            CommandLine.ParseResult parsed = cl.parseArgs(args);
            if (CommandLine.printHelpIfRequested(parsed)) {
                return;
            }
            config = ((ServerOptions) cl.getCommand()).toConfig(cl, System.getenv("JLLM_API_KEY"));
        } catch (CommandLine.ParameterException e) {
            err.println("jllm server: " + e.getMessage());
            err.println("Run './jllm server --help' for every option.");
            System.exit(2);
            return;
        }
        if (config.demo()) {
            err.println("""
                    ************************************************************************************
                    jllm server: no --model given, so it serves a tiny SYNTHETIC demo model: random
                    weights with the real Qwen3 tokenizer. Its output is NOISE, not language. It is
                    here to try the API. To get real answers, point it at a Qwen3 GGUF:
                        ./jllm server --model ~/models/Qwen3-0.6B-Q4_K_M.gguf
                    ************************************************************************************""");
        }
        JllmServer server;
        try {
            server = JllmServer.start(config);
        } catch (RuntimeException e) {
            err.println("jllm server: cannot listen on " + config.host() + ":" + config.port() + ": " + message(e)
                    + ". Is another server using that port? Choose another with --port.");
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            err.println("jllm server: shutting down (in-flight requests get up to " + config.drain().toSeconds()
                    + " s to finish)");
            server.stop();
        }, "jllm-shutdown"));
        String url = "http://" + config.host() + ":" + server.port();
        out.println("jllm server: listening on " + url + " (loading the model; GET /health says when it is ready)");
        try {
            InferenceEngine engine = server.loaded().join();
            out.println("jllm server: ready. Model " + server.modelId() + " (" + engine.modelName() + "), context "
                    + engine.contextLength() + " tokens, KV cache " + engine.kvCacheTokens() + " tokens ("
                    + (engine.kvCacheBytes() >> 20) + " MiB), " + engine.threads() + " threads, loaded in "
                    + engine.loadMillis() + " ms.");
            Qwen3Forward.WarmUp warmUp = engine.warmUp();
            if (config.warmupMillis() > 0 && !warmUp.settled() && warmUp.lastRoundBytes() >= 0) {
                err.println("jllm server: warning: after " + warmUp.millis() + " ms of warm-up the kernels still "
                        + "allocated " + (warmUp.lastRoundBytes() >> 20) + " MB per round, so some are not compiled"
                        + " yet (or were compiled into their slow fallbacks); the first requests may be slow. A"
                        + " longer --warmup helps the first case, a restart the second.");
            }
            out.println("  POST " + url + "/v1/chat/completions, /v1/completions, /generate, /tokenize, /detokenize;"
                    + " GET /v1/models, /health, /metrics"
                    + (config.apiKey() != null ? " (all but /health need 'Authorization: Bearer <key>')" : ""));
        } catch (CompletionException e) {
            err.println("jllm server: could not load the model " + (config.demo() ? "(demo)" : config.model())
                    + ": " + message(e.getCause()));
            System.exit(1);
        }
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
