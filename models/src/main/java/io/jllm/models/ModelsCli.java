package io.jllm.models;

/** Entry point (skeleton). */
public final class ModelsCli {
    private ModelsCli() {
    }

    public static void main(String[] args) {
        System.out.println("models: not built yet");
    }
}
