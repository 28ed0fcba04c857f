package io.jllm.gguf;

/** A tensor info as read, with where its offset field is, for the errors found after the whole table is read. */
record TensorEntry(GgufTensorInfo info, long offsetFieldAt) {
}
