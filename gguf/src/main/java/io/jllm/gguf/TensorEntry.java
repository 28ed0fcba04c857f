package io.jllm.gguf;

/** A tensor info as read, with where its entry starts in the file, for errors found after the table is read. */
record TensorEntry(GgufTensorInfo info, long entryAt, long offsetFieldAt) {
}
