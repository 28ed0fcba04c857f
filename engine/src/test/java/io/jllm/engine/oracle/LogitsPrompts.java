package io.jllm.engine.oracle;

import io.jllm.engine.chat.ChatMessage;
import io.jllm.engine.chat.ChatTemplates;
import io.jllm.engine.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The five prompts the logits are compared on (the exactness issue's list: a ChatML chat, English,
 * Chinese, code, and a 300-token prompt), each at several prefix lengths.
 */
final class LogitsPrompts {
    record Prompt(String name, int[] ids, int[] prefixes) {
    }

    private static final String LONG = """
            The history of the lighthouse is a history of people trying to make the sea a little less \
            dangerous. Long before electric lamps, keepers climbed narrow stairs every evening to trim \
            wicks, polish brass and wind the clockwork that turned the great lenses. A keeper's log might \
            record the weather, the ships that passed, the oil burned and the repairs made after a storm. \
            On remote rocks the keepers and their families lived for months without visitors, relying on \
            supply boats that could not land when the swell was high. Children learned to read by lamp \
            light, gardens were planted in soil carried out in buckets, and a good cook was worth as much \
            as a good mechanic. The Fresnel lens changed everything: rings of glass prisms bent the light \
            into a single beam that could be seen twenty miles away, and each station had its own pattern \
            of flashes so that sailors could tell where they were. Later came radio beacons, then satellite \
            navigation, and one by one the stations were automated. Today many towers are museums, some are \
            holiday cottages, and a few still guide ships with lamps that switch themselves on at dusk. \
            Visitors who climb to the gallery often say the same thing: the view is wide, the wind is \
            strong, and it is easy to imagine a keeper standing there on a winter night, watching for the \
            lights of a ship that was late. The work was lonely and repetitive, but it mattered, because \
            every night the light was lit, someone at sea knew where the rocks were and could steer away \
            from them in time to reach the harbour safely before morning came again.""";

    private LogitsPrompts() {
    }

    static List<Prompt> all(Tokenizer tokenizer) {
        String chat = ChatTemplates.named("qwen3").render(List.of(
                ChatMessage.system("You are a concise assistant."),
                ChatMessage.user("What is the capital of France? Answer in one word.")), List.of(), true, false);
        int[] longIds = tokenizer.encode(LONG, false);
        if (longIds.length < 300) {
            throw new IllegalStateException("the long prompt has only " + longIds.length + " tokens");
        }
        return List.of(
                prompt("chat", tokenizer.encode(chat, true)),
                prompt("english", tokenizer.encode("The quick brown fox jumps over the lazy dog, and then it "
                        + "runs into the forest to look for something to eat before night falls.", false)),
                prompt("chinese", tokenizer.encode("今天天气很好，我们一起去公园散步吧。春天的花开得很漂亮，孩子们在草地上玩耍。", false)),
                prompt("code", tokenizer.encode("""
                        def fibonacci(n: int) -> list[int]:
                            \"\"\"Return the first n Fibonacci numbers.\"\"\"
                            result = [0, 1]
                            while len(result) < n:
                                result.append(result[-1] + result[-2])
                            return result[:n]
                        """, false)),
                prompt("long", Arrays.copyOf(longIds, 300)));
    }

    /** Prefix lengths 1, n/3, 2n/3 and n. */
    private static Prompt prompt(String name, int[] ids) {
        int n = ids.length;
        TreeSet<Integer> lengths = new TreeSet<>(List.of(1, Math.max(1, n / 3), Math.max(1, 2 * n / 3), n));
        return new Prompt(name, ids, lengths.stream().mapToInt(Integer::intValue).toArray());
    }
}
