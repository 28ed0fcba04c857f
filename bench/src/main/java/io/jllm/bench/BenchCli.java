package io.jllm.bench;

/** Entry point (skeleton). */
public final class BenchCli {
    private BenchCli() {
    }

    public static void main(String[] args) {
        System.out.println("bench: not built yet");
    }
}
