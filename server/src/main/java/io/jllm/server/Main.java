package io.jllm.server;

/** Entry point (skeleton). */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("server: not built yet");
    }
}
