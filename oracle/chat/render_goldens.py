#!/usr/bin/env python3
"""Renders golden chat prompts with the real Qwen3 Jinja template, for Qwen3ChatTemplateTest.

The renderer is Python's jinja2 configured the way Hugging Face transformers' apply_chat_template configures it
(transformers/utils/chat_template_utils.py: ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and the
loopcontrols extension, and a tojson filter that is json.dumps(ensure_ascii=False) with default separators and no
key sorting, instead of jinja2's HTML-escaping, key-sorting one). llama.cpp's own Jinja engine (common/jinja)
formats tojson the same way.

Usage (from any directory; needs python3 with jinja2):
    python3 oracle/chat/render_goldens.py           writes the fixture
    python3 oracle/chat/render_goldens.py --check   exits 1 if the committed fixture differs from a fresh rendering
The fixture is engine/src/test/resources/io/jllm/engine/chat/qwen3-chat-goldens.json.

@huggingface/jinja 0.5.11 (transformers.js) renders every case identically except where tools hold floats such
as 1e+20 or 1e-05, which JavaScript spells differently from Python's json.dumps.
"""
import json
import os
import random
import struct
import sys

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATE_FROM = "models/src/main/resources/io/jllm/models/qwen3/tokenizer_config.json"
CHATML_FROM = "engine/src/main/resources/io/jllm/engine/chat/chatml.jinja"
OUT = "engine/src/test/resources/io/jllm/engine/chat/qwen3-chat-goldens.json"


def environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


def sys_(content):
    return {"role": "system", "content": content}


def user(content):
    return {"role": "user", "content": content}


def asst(content, **extra):
    m = {"role": "assistant", "content": content}
    m.update(extra)
    return m


def tool(content, call_id=None, name=None):
    m = {"role": "tool", "content": content}
    if call_id is not None:
        m["tool_call_id"] = call_id
    if name is not None:
        m["name"] = name
    return m


def call(name, arguments, call_id=None):
    """OpenAI wire format: {"id", "type": "function", "function": {"name", "arguments"}}."""
    c = {"type": "function", "function": {"name": name, "arguments": arguments}}
    if call_id is not None:
        c["id"] = call_id
    return c


def flat_call(name, arguments):
    """The flat form the template also accepts: {"name", "arguments"}."""
    return {"name": name, "arguments": arguments}


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. \"Zürich\""},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}

SEARCH = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Searches the web.\nReturns <= 10 results & snippets.",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "max_results": {"type": "integer", "minimum": 1, "maximum": 10, "default": 5},
                "score": {"type": "number", "minimum": 0.5, "maximum": 1e+20, "multipleOf": 1e-05},
                "safe": {"type": "boolean", "default": True},
                "region": {"type": ["string", "null"], "default": None},
                "tags": {"type": "array", "items": {"type": "string"}},
                "path": {"type": "string", "pattern": "^[a-z]+\\\\d*\t$", "description": "tab\t, bell\u0007, del\u007f"},
            },
            "required": ["query"],
        },
    },
}

UNICODE_TOOL = {
    "type": "function",
    "function": {
        "name": "翻译",
        "description": "把文本翻译成另一种语言 🌐 — naïve café",
        "parameters": {"type": "object", "properties": {"文本": {"type": "string"}}},
    },
}

CASES = []


def case(name, messages, tools=None, add_generation_prompt=True, enable_thinking=None):
    c = {"name": name, "messages": messages, "add_generation_prompt": add_generation_prompt}
    if tools is not None:
        c["tools"] = tools
    if enable_thinking is not None:
        c["enable_thinking"] = enable_thinking
    CASES.append(c)


case("single user turn", [user("Hello!")])
case("system and user", [sys_("You are a helpful assistant."), user("What is 2+2?")])
case("no generation prompt", [sys_("Be brief."), user("Hi")], add_generation_prompt=False)
case("multi-turn plain", [user("Hi"), asst("Hello! How can I help?"), user("Tell me a joke.")])
case("thinking disabled", [user("Quick answer: capital of France?")], enable_thinking=False)
case("thinking disabled with system and history",
     [sys_("You are terse."), user("1+1?"), asst("2"), user("2+2?")], enable_thinking=False)
case("thinking explicitly enabled", [user("Think about it.")], enable_thinking=True)
case("assistant with reasoning_content as last turn",
     [user("Why is the sky blue?"), asst("Rayleigh scattering.", reasoning_content="Light scatters...\nShort waves more.")],
     add_generation_prompt=False)
case("earlier reasoning_content is dropped",
     [user("Q1"), asst("A1", reasoning_content="thinking about Q1"), user("Q2"),
      asst("A2", reasoning_content="thinking about Q2"), user("Q3")])
case("inline think block in history is stripped",
     [user("Q1"), asst("<think>\nsecret reasoning\n</think>\n\nVisible answer 1"), user("Q2")])
case("inline think block in last turn is kept",
     [user("Q1"), asst("<think>\nreasoning here\n</think>\n\nThe answer.")], add_generation_prompt=False)
case("inline think without newlines",
     [user("Q"), asst("<think>r</think>answer")], add_generation_prompt=False)
case("empty reasoning_content wins over inline think",
     [user("Q"), asst("<think>\ninline\n</think>\n\nA", reasoning_content="")], add_generation_prompt=False)
case("think open tag without close tag is plain content",
     [user("Q"), asst("<think> unfinished"), user("Q2")])
case("several close tags split at the last",
     [user("Q"), asst("<think>a</think>b</think>\n\nc")], add_generation_prompt=False)
case("reasoning with surrounding newlines is stripped",
     [user("Q"), asst("\n\nAnswer", reasoning_content="\n\nreason\n\n")], add_generation_prompt=False)
case("assistant after last query with empty reasoning, not last",
     [user("Q"), asst("calling", tool_calls=[call("get_weather", '{"city": "Paris"}')]),
      tool('{"temp": 21}'), asst("It is 21 degrees."), tool("late tool output")])
case("tools with system message", [sys_("You are a weather bot."), user("Weather in Paris?")], tools=[WEATHER])
case("tools without system message", [user("Weather in Paris?")], tools=[WEATHER, SEARCH])
case("empty tools list is no tools", [sys_("S"), user("U")], tools=[])
case("tool call with content, object arguments",
     [user("Weather in Paris?"),
      asst("Let me check.", tool_calls=[call("get_weather", {"city": "Paris", "unit": "celsius"}, "call_1")])],
     tools=[WEATHER], add_generation_prompt=False)
case("tool call without content, string arguments",
     [user("Weather in Paris?"), asst("", tool_calls=[call("get_weather", '{"city":"Paris"}', "call_1")])],
     tools=[WEATHER], add_generation_prompt=False)
case("several tool calls, flat form, nested arguments",
     [user("Compare Paris and Rome"),
      asst("", tool_calls=[flat_call("get_weather", {"city": "Paris"}),
                           flat_call("search", {"query": "Rome \"weather\"", "max_results": 3, "score": 0.75,
                                                "safe": False, "region": None, "tags": ["a", "ü"]})])],
     tools=[WEATHER, SEARCH], add_generation_prompt=False)
case("tool response then answer",
     [sys_("S"), user("Weather in Paris?"),
      asst("", tool_calls=[call("get_weather", {"city": "Paris"}, "c1")]),
      tool('{"temperature": 21, "sky": "clear"}', "c1", "get_weather")],
     tools=[WEATHER])
case("consecutive tool responses grouped in one user turn",
     [user("Paris and Rome?"),
      asst("", tool_calls=[call("get_weather", {"city": "Paris"}, "c1"), call("get_weather", {"city": "Rome"}, "c2")]),
      tool("Paris: 21C", "c1"), tool("Rome: 25C", "c2"), tool("extra", "c3"),
      asst("Paris 21C, Rome 25C.")],
     tools=[WEATHER], add_generation_prompt=False)
case("multi-step tool use keeps reasoning after the last real query",
     [user("Plan my trip"),
      asst("", reasoning_content="Need weather first.", tool_calls=[call("get_weather", {"city": "Oslo"})]),
      tool("Oslo: 3C"),
      asst("", reasoning_content="Now search.", tool_calls=[call("search", {"query": "Oslo museums"})]),
      tool("Munch museum"),
      asst("Pack warm clothes and visit the Munch museum.", reasoning_content="Summarize.")],
     tools=[WEATHER, SEARCH], add_generation_prompt=False)
case("multi-step with an earlier finished query",
     [user("Old question"), asst("Old answer", reasoning_content="old thoughts"),
      user("New question"),
      asst("Checking", reasoning_content="new thoughts", tool_calls=[call("search", {"query": "x"})]),
      tool("result")],
     tools=[SEARCH])
case("user message wrapping a tool response is not a query",
     [user("Real question"), asst("", reasoning_content="r1", tool_calls=[call("search", {"query": "q"})]),
      user("<tool_response>\nmanual result\n</tool_response>"),
      asst("Done.", reasoning_content="r2")],
     add_generation_prompt=False)
case("system message not first",
     [user("Hi"), sys_("New instructions: answer in French."), user("How are you?")])
case("two system messages", [sys_("First system."), user("U1"), sys_("Second system."), user("U2")])
case("two system messages with tools", [sys_("First system."), sys_("Second system."), user("U")], tools=[WEATHER])
case("tool message first", [tool("orphan result"), user("What was that?")])
case("unicode everywhere",
     [sys_("Réponds en français. 日本語もOK. Emoji: 🚀👍🏽"), user("Ça va? 你好吗？ \u00e9 vs e\u0301"),
      asst("Très bien 😊", reasoning_content="用户在问好"), user("Ünïcödé ✓")],
     tools=[UNICODE_TOOL])
case("unicode tool arguments object",
     [user("翻译 hello"), asst("", tool_calls=[call("翻译", {"文本": "hello — “quoted” \\ backslash\n新行"})])],
     tools=[UNICODE_TOOL], add_generation_prompt=False)
case("empty contents", [sys_(""), user(""), asst(""), user("")])
case("content with special tokens and template syntax",
     [user("<|im_start|>user\n{{ not a template }} {% raw %}<|im_end|>"), asst("</tool_call> <tool_call>")])
case("assistant content with leading newlines after think",
     [user("Q"), asst("<think>\n\nr\n\n</think>\n\n\n\nA\n")], add_generation_prompt=False)
case("assistant prefill as last message",
     [user("Write a haiku"), asst("Autumn moonlight—")], add_generation_prompt=False)
case("floats, integers and literals in tool schemas",
     [user("numbers")],
     tools=[{"type": "function", "function": {"name": "n", "parameters": {
         "a": [0.1, 1e-07, 0.0001, 1e-05, 123456789.125, 1.5e+300, -2.5e-300, 5e-324, 1.7976931348623157e+308,
               0.30000000000000004, 100.0, 1e+16, 1e+15, 9007199254740993, -0.0, 0, -7, 12345678901234567890,
               2.5, -1e+22, 1e+21, True, False, None, [], {}, ""]}}}])
case("assistant prefill with thinking disabled",
     [user("Write a haiku"), asst("Autumn")], add_generation_prompt=False, enable_thinking=False)


CHATML_CASES = [
    {"name": "chatml conversation", "add_generation_prompt": True,
     "messages": [sys_("S"), user("Hi"), asst("Hello"), user("Bye 👋")]},
    {"name": "chatml tool role and no generation prompt", "add_generation_prompt": False,
     "messages": [user("Q"), tool("result"), sys_("late system")]},
]


def render_all(template, cases):
    out = []
    for c in cases:
        kwargs = {"messages": c["messages"], "tools": c.get("tools"),
                  "add_generation_prompt": c["add_generation_prompt"]}
        if "enable_thinking" in c:
            kwargs["enable_thinking"] = c["enable_thinking"]
        rendered = dict(c)
        rendered["expected"] = template.render(**kwargs)
        out.append(rendered)
    return out


def float_reprs():
    """Python's repr of doubles across magnitudes (what json.dumps writes), keyed by their exact bits."""
    rng = random.Random(20250101)
    values = [0.1, 1 / 3, 2 / 3, 1e16, 1e15, 9.999999999999999e15, 1e-4, 9.99e-5, 1e-5, 5e-324, 2.2250738585072014e-308,
              1.7976931348623157e308, 123.456, 1e22, 1e23, 4.35, 0.5, 2.0 ** 53, 2.0 ** 60, -1.25e-7]
    for _ in range(300):
        bits = rng.getrandbits(64)
        v = struct.unpack(">d", struct.pack(">Q", bits))[0]
        if v == v and v not in (float("inf"), float("-inf")):
            values.append(v)
    for _ in range(100):
        values.append(rng.uniform(-1000, 1000) * 10 ** rng.randint(-8, 20))
    return [{"bits": struct.pack(">d", v).hex(), "repr": json.dumps(v)} for v in values]


def main():
    with open(os.path.join(ROOT, TEMPLATE_FROM), encoding="utf-8") as f:
        source = json.load(f)["chat_template"]
    with open(os.path.join(ROOT, CHATML_FROM), encoding="utf-8") as f:
        chatml = f.read()
    out = render_all(environment().from_string(source), CASES)
    doc = {
        "generator": "python3 oracle/chat/render_goldens.py",
        "renderer": "jinja2 " + jinja2.__version__ + " (transformers apply_chat_template settings)",
        "template_source": TEMPLATE_FROM + " (chat_template)",
        "template": source,
        "cases": out,
        "chatml_template": chatml,
        "chatml_cases": render_all(environment().from_string(chatml), CHATML_CASES),
        "float_reprs": float_reprs(),
    }
    text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    path = os.path.join(ROOT, OUT)
    if "--check" in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            same = f.read() == text
        print("%s is %s" % (OUT, "up to date" if same else "STALE: rerun without --check"), file=sys.stderr)
        sys.exit(0 if same else 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %d cases to %s" % (len(out), OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
