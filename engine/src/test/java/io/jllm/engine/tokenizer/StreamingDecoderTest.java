package io.jllm.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {
    private final Tokenizer tokenizer = Qwen3Tokenizers.tokenizer();

    @Test
    void everyMultiByteCharacterSplitAcrossTokensComesOutWhole() {
        String text = "héllo 漢字 👨‍👩‍👧‍👦 👍🏽 🇯🇵 ﷽ 𝔘 ok";
        int[] ids = oneTokenPerByte(text);
        StreamingDecoder stream = tokenizer.streamingDecoder(true);
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            String piece = stream.accept(id);
            if (!piece.isEmpty()) {
                assertFalse(Character.isHighSurrogate(piece.charAt(piece.length() - 1)), "half a surrogate pair");
            }
            out.append(piece);
        }
        out.append(stream.finish());
        assertEquals(text, out.toString());
        assertEquals(text, tokenizer.decode(ids));
    }

    @Test
    void holdsBackAnIncompleteCharacter() {
        int[] ids = oneTokenPerByte("😀");
        StreamingDecoder stream = tokenizer.streamingDecoder(true);
        assertEquals("", stream.accept(ids[0]));
        assertEquals("", stream.accept(ids[1]));
        assertEquals("", stream.accept(ids[2]));
        assertTrue(stream.hasPending());
        assertEquals("😀", stream.accept(ids[3]));
        assertFalse(stream.hasPending());
        assertEquals("", stream.finish());
    }

    @Test
    void anIncompleteCharacterAtTheEndBecomesOneReplacementCharacter() {
        int[] ids = oneTokenPerByte("😀");
        StreamingDecoder stream = tokenizer.streamingDecoder(true);
        stream.accept(ids[0]);
        stream.accept(ids[1]);
        assertEquals("\uFFFD", stream.finish());
        assertEquals("a", stream.accept(tokenizer.encode("a", false)[0]), "the decoder is reusable after finish");
    }

    @Test
    void illFormedBytesBecomeReplacementCharactersAsSoonAsKnown() {
        int[] euro = oneTokenPerByte("€"); // E2 82 AC
        int a = tokenizer.encode("a", false)[0];
        StreamingDecoder stream = tokenizer.streamingDecoder(true);
        assertEquals("", stream.accept(euro[0]));
        assertEquals("", stream.accept(euro[1]));
        assertEquals("\uFFFDa", stream.accept(a), "E2 82 then 'a': the truncated character is replaced");
        assertEquals("\uFFFD", stream.accept(euro[2]), "a lone continuation byte");
    }

    @Test
    void streamingEqualsWholeDecodeForRandomIds() {
        SplittableRandom random = new SplittableRandom(3);
        int[] byteIds = new int[256];
        for (int b = 0; b < 256; b++) {
            byteIds[b] = tokenizer.vocabulary().byteToken(b);
        }
        for (int round = 0; round < 3_000; round++) {
            int[] ids = new int[1 + random.nextInt(20)];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = random.nextBoolean() ? byteIds[random.nextInt(256)] : random.nextInt(tokenizer.vocabSize());
            }
            boolean render = random.nextBoolean();
            StreamingDecoder stream = tokenizer.streamingDecoder(render);
            StringBuilder out = new StringBuilder();
            for (int id : ids) {
                out.append(stream.accept(id));
            }
            out.append(stream.finish());
            assertEquals(tokenizer.decode(ids, render), out.toString(), java.util.Arrays.toString(ids));
        }
    }

    @Test
    void controlTokensAreRenderedOnlyWhenAsked() {
        int imStart = tokenizer.tokenId("<|im_start|>");
        int think = tokenizer.tokenId("<think>");
        assertEquals("<|im_start|>", tokenizer.streamingDecoder(true).accept(imStart));
        assertEquals("", tokenizer.streamingDecoder(false).accept(imStart));
        assertEquals("<think>", tokenizer.streamingDecoder(false).accept(think), "user-defined tokens always render");
    }

    private int[] oneTokenPerByte(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = tokenizer.vocabulary().byteToken(bytes[i] & 0xFF);
        }
        return ids;
    }
}
