package io.jllm.engine.model;

/**
 * A GGUF file that is well-formed but is not a model jLLM can run: another architecture, missing
 * tensors, shapes that contradict the hyperparameters, unsupported tensor types.
 */
public class ModelFormatException extends IllegalArgumentException {
    public ModelFormatException(String message) {
        super(message);
    }
}
