package io.jllm.engine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code jllm-engine.jar}: offline generation with a Qwen3 GGUF. */
@Command(name = "jllm-engine", mixinStandardHelpOptions = true, version = "jLLM 0.1.0",
        description = "Offline inference with a Qwen3 GGUF model.",
        subcommands = {RunCommand.class, ChatCommand.class, CommandLine.HelpCommand.class})
public final class EngineCli {
    private EngineCli() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new EngineCli());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            line.getErr().println("jllm-engine: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return 1;
        });
        return cl;
    }
}
