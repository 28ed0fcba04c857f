package io.jllm.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jllm.engine.api.Generation;
import io.jllm.engine.api.GenerationRequest;
import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.api.TextStream;
import io.jllm.engine.chat.ChatMessage;
import io.jllm.engine.sampling.SamplingParams;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code run}: one prompt, streamed to stdout, then one timing line. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate text for one prompt, streaming it to stdout, then print timings to stderr.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Mixin
    SamplingOptions sampling;

    @Option(names = {"-p", "--prompt"}, required = true, paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = "--chat", description = "Wrap the prompt as a user message in the model's chat template.")
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "System message (with --chat).")
    String system;

    @Option(names = "--no-think", description = "With --chat: ask Qwen3 to answer without thinking (enable_thinking=false).")
    boolean noThink;

    @Option(names = "--special", description = "Parse special tokens written in the prompt (e.g. <|im_start|>).")
    boolean special;

    @Option(names = "--json", description = "Print one JSON object (ids, text, finish reason, timings) instead of streaming.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        SamplingParams params = sampling.toParams();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (InferenceEngine e = InferenceEngine.open(engine.toConfig())) {
            String text = prompt;
            boolean parseSpecial = special;
            if (chat) {
                List<ChatMessage> messages = new ArrayList<>();
                if (system != null) {
                    messages.add(ChatMessage.system(system));
                }
                messages.add(ChatMessage.user(prompt));
                text = e.chatTemplate().render(messages, List.of(), true, !noThink);
                parseSpecial = true;
            }
            int[] ids = e.tokenizer().encode(text, parseSpecial);
            Generation g = e.submit(new GenerationRequest(ids, params));
            TextStream stream = new TextStream(g, e.tokenizer(), params.stop());
            StringBuilder all = new StringBuilder();
            String piece;
            while ((piece = stream.next(1, TimeUnit.SECONDS)) != null) {
                all.append(piece);
                if (!json) {
                    out.print(piece);
                    out.flush();
                }
            }
            g.completion().join();
            Timings t = Timings.of(e, g, stream.tokensRead());
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode o = mapper.createObjectNode();
                o.set("prompt_tokens", mapper.valueToTree(ids));
                int[] generated = new int[stream.tokensRead()];
                for (int i = 0; i < generated.length; i++) {
                    generated[i] = g.token(i);
                }
                o.set("tokens", mapper.valueToTree(generated));
                o.put("text", all.toString());
                o.put("finish_reason", String.valueOf(stream.finishReason()).toLowerCase());
                if (g.error() != null) {
                    o.put("error", g.error());
                }
                o.set("timings", t.toJson(mapper));
                out.println(mapper.writeValueAsString(o));
            } else {
                out.println();
                System.err.println(t.line());
            }
            return g.error() == null ? 0 : 1;
        }
    }
}
