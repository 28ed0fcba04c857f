package io.jllm.engine.cli;

import io.jllm.engine.api.Generation;
import io.jllm.engine.api.GenerationRequest;
import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.api.TextStream;
import io.jllm.engine.chat.ChatMessage;
import io.jllm.engine.sampling.SamplingParams;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code chat}: an interactive conversation through the model's chat template. */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Chat interactively: type a message, read the reply. /reset starts over, /exit (or end of input) quits.")
final class ChatCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--system", paramLabel = "TEXT", description = "System message.")
    String system;

    @Option(names = "--no-think", description = "Ask Qwen3 to answer without thinking (enable_thinking=false).")
    boolean noThink;

    @Override
    public Integer call() throws Exception {
        if (sampling.maxTokens == 128) {
            sampling.maxTokens = -1;
        }
        SamplingParams params = sampling.toParams();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (InferenceEngine e = InferenceEngine.open(engine.toConfig())) {
            e.chatTemplate();
            List<ChatMessage> history = new ArrayList<>();
            reset(history);
            out.println("jLLM chat with " + e.modelName() + " (" + e.contextLength() + "-token context). /reset, /exit.");
            while (true) {
                out.print("> ");
                out.flush();
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    return 0;
                }
                if (line.strip().equals("/reset")) {
                    reset(history);
                    out.println("(conversation cleared)");
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                history.add(ChatMessage.user(line));
                int[] ids = e.tokenizer().encode(e.chatTemplate().render(history, List.of(), true, !noThink), true);
                Generation g;
                try {
                    g = e.submit(new GenerationRequest(ids, params));
                } catch (RuntimeException ex) {
                    history.remove(history.size() - 1);
                    out.println("(" + ex.getMessage() + "; /reset to start over)");
                    continue;
                }
                TextStream stream = new TextStream(g, e.tokenizer(), params.stop());
                StringBuilder reply = new StringBuilder();
                String piece;
                while ((piece = stream.next(1, TimeUnit.SECONDS)) != null) {
                    reply.append(piece);
                    out.print(piece);
                    out.flush();
                }
                out.println();
                if (g.error() != null) {
                    out.println("(error: " + g.error() + ")");
                }
                history.add(ChatMessage.assistant(reply.toString()));
            }
        }
    }

    private void reset(List<ChatMessage> history) {
        history.clear();
        if (system != null) {
            history.add(ChatMessage.system(system));
        }
    }
}
