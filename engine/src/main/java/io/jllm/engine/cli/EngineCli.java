package io.jllm.engine.cli;

/** Entry point (skeleton). */
public final class EngineCli {
    private EngineCli() {
    }

    public static void main(String[] args) {
        System.out.println("engine: not built yet");
    }
}
