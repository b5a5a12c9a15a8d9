// llm_call_text_test.cpp: the one-pass read of an llm.call.completed payload agrees with the
// reference path (parse_llm_call over the JSON tree) on the record or on the error message, for
// hand-picked payloads, random mutations of a valid one, and random damage to its text.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "llm_call_text.hpp"
#include "record_parsing.hpp"

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;
constexpr int64_t kNow = 1767225600000;

// What a parse gave: the record's fields, or the error.
std::string outcome(const std::function<LlmCall()>& parse) {
    try {
        const LlmCall call = parse();
        Json fields = {{"ts", call.ts_ms},
                       {"dims", call.dims},
                       {"tags", call.tags},
                       {"tokens",
                        {call.tokens.input, call.tokens.output, call.tokens.cache_read, call.tokens.cache_creation,
                         call.tokens.reasoning, call.tokens.input_includes_cache}},
                       {"cost", call.reported_cost_usd ? Json(*call.reported_cost_usd) : Json()},
                       {"latency", call.latency_ms ? Json(*call.latency_ms) : Json()},
                       {"ttft", call.ttft_ms ? Json(*call.ttft_ms) : Json()}};
        return fields.dump();
    } catch (const InputError& e) {
        return std::string("error: ") + e.what();
    }
}

std::string reference(const std::string& text) {
    return outcome([&] {
        const Json payload = Json::parse(text, nullptr, false);
        if (payload.is_discarded())
            throw InputError("an LLM call must be a JSON object; the payload is not valid JSON");
        return parse_llm_call(payload, kNow);
    });
}

std::string agent_of_length(size_t length) {
    return (std::string(R"({"model":"m","agent":")") += std::string(length, 'a')) += "\"}";
}

std::string streamed(const std::string& text) {
    return outcome([&] { return parse_llm_call_text(text, kNow); });
}

TEST(LlmCallText, AgreesWithTheReferencePathOnChosenPayloads) {
    const std::vector<std::string> payloads = {
        R"({"model":"gpt-4o","provider":"openai","input_tokens":10,"output_tokens":5})",
        R"({"provider":"anthropic","model":"claude-sonnet-4-5","input_tokens":500,"output_tokens":50,)"
        R"("cache_read_tokens":100,"cache_creation_tokens":7,"reasoning_tokens":3,"latency_ms":812.5,)"
        R"("ttft_ms":90,"status":"error","project":"web","session":"s1","agent":"a","role":"coder","team":"t",)"
        R"("workflow":"w","run":"r1","task":"build","tags":["nightly","x"],"timestamp":1767225600123,"extra":{"a":[1]}})",
        R"({"gen_ai.request.model":"gpt-4o","gen_ai.provider.name":"openai","gen_ai.usage.input_tokens":3,)"
        R"("gen_ai.usage.output_tokens":4,"gen_ai.operation.name":"embeddings"})",
        R"({"gen_ai.request.model":"m","gen_ai.system":"openai"})",
        R"({"model":"m","provider":"","gen_ai.system":"gemini"})",
        R"({"model":"m","gen_ai.request.model":"other","provider":null,"gen_ai.provider.name":"openai"})",
        R"({"model":"m","timestamp":"2026-11-23T10:00:00Z","cost_usd":0.25,"input_includes_cache":false})",
        R"({"model":"m","cost_usd":3,"latency_ms":0,"tags":[],"status":null})",
        R"({"model":"m","output_tokens":1e3})",
        R"({"model":"m","output_tokens":1.5})",
        R"({"model":"m","input_tokens":-5})",
        R"({"model":"m","input_tokens":1125899906842624})",
        R"({"model":"m","input_tokens":"5"})",
        R"({"model":"m","cost_usd":-0.5})",
        R"({"model":"m","latency_ms":"fast"})",
        R"({"model":"m","timestamp":"yesterday"})",
        R"({"model":"m","timestamp":-1})",
        R"({"model":"m","timestamp":18446744073709551615})",
        R"({"model":"m","timestamp":1.5})",
        R"({"model":"m","tags":"nightly"})",
        R"({"model":"m","tags":["a,b"]})",
        R"({"model":"m","tags":[""]})",
        R"({"model":"m","tags":[1]})",
        R"({"model":"m","tags":[["a"]]})",
        R"({"model":"m","tags":[{"a":1}]})",
        R"({"model":"m","input_includes_cache":1})",
        R"({"model":"m","project":{"name":"web"}})",
        R"({"model":"m","project":["web"]})",
        R"({"model":"m","project":5})",
        R"({"model":"m","model":"n"})",
        R"({"model":""})",
        R"({"input_tokens":5})",
        R"({"model":"m\u00e9\n","project":"p\"q"})",
        agent_of_length(257),
        agent_of_length(256),
        R"(["model"])",
        R"("model")",
        R"(-3)",
        R"(null)",
        R"( {"model" : "m" ,"input_tokens":	7 ,"unknown":[1,{"a":[true,false,null,"x",-2.5e-3]},[]]} )",
        R"({"model":"m","note":"say \"hi\"","project":"caf\u00e9"})",
        R"({"model":"m","project":"cafÃ©"})",
        "\xef\xbb\xbf{\"model\":\"m\"}",
        R"({"model":"m","input_tokens":01})",
        R"({"model":"m","input_tokens":1.})",
        R"({"model":"m","input_tokens":.5})",
        R"({"model":"m","input_tokens":1e})",
        R"({"model":"m","input_tokens":+1})",
        R"({"model":"m","input_tokens":-0})",
        R"({"model":"m","output_tokens":1E+2,"cost_usd":2.5e-1,"latency_ms":0.0})",
        R"({"model":"m","input_tokens":18446744073709551615})",
        R"({"model":"m","input_tokens":18446744073709551616})",
        R"({"model":"m","cost_usd":1e400})",
        R"({"model":"m","latency_ms":1e-400})",
        R"({"model":"m","input_includes_cache":tru})",
        R"({"model":"m","x":{"y":{"z":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}}})",
        R"({"model":"m",})",
        R"({"model":"m""project":"p"})",
        R"({"model":"m","tags":["a",]})",
        R"({"model":"m","tags":["a" "b"]})",
        R"({"model":"m"} trailing)",
        R"({"model":"m")",
        "",
    };
    for (const std::string& payload : payloads) EXPECT_EQ(streamed(payload), reference(payload)) << payload;
}

TEST(LlmCallText, AgreesWithTheReferencePathOnRandomMutations) {
    const Json base = {{"provider", "anthropic"},
                       {"model", "claude-sonnet-4-5"},
                       {"input_tokens", 500},
                       {"output_tokens", 50},
                       {"cache_read_tokens", 100},
                       {"latency_ms", 812.5},
                       {"status", "ok"},
                       {"project", "web"},
                       {"session", "s1"},
                       {"tags", {"a", "b"}},
                       {"timestamp", 1767225600123},
                       {"cost_usd", 0.5},
                       {"input_includes_cache", true}};
    const std::vector<std::string> keys = {"provider",
                                           "gen_ai.provider.name",
                                           "gen_ai.system",
                                           "model",
                                           "gen_ai.request.model",
                                           "operation",
                                           "status",
                                           "project",
                                           "run",
                                           "tags",
                                           "input_tokens",
                                           "gen_ai.usage.input_tokens",
                                           "reasoning_tokens",
                                           "input_includes_cache",
                                           "cost_usd",
                                           "ttft_ms",
                                           "timestamp",
                                           "unrelated"};
    const std::vector<Json> values = {nullptr,
                                      true,
                                      0,
                                      7,
                                      -7,
                                      2.5,
                                      -0.0,
                                      1e20,
                                      "",
                                      "x",
                                      "2026-01-02T03:04:05Z",
                                      Json::array(),
                                      Json::array({"t"}),
                                      Json::array({"t", 3}),
                                      Json::object({{"k", "v"}})};
    std::mt19937_64 random(2026);
    for (int round = 0; round < 3000; ++round) {
        Json payload = base;
        const int changes = 1 + static_cast<int>(random() % 3);
        for (int i = 0; i < changes; ++i) {
            const std::string& key = keys[random() % keys.size()];
            if (random() % 5 == 0)
                payload.erase(key);
            else
                payload[key] = values[random() % values.size()];
        }
        const std::string text = payload.dump();
        ASSERT_EQ(streamed(text), reference(text)) << text;
    }
}

TEST(LlmCallText, AgreesWithTheReferencePathOnDamagedText) {
    const std::string valid =
        R"({"provider":"openai","model":"gpt-4o","input_tokens":1500,"output_tokens":20,"cost_usd":0.25,)"
        R"("tags":["a","b"],"timestamp":1767225600123,"extra":{"k":[1,-2.5,"v"]},"status":"ok"})";
    const std::string pieces[] = {"{",
                                  "}",
                                  "[",
                                  "]",
                                  ",",
                                  ":",
                                  "\"",
                                  "\\",
                                  "-",
                                  ".",
                                  "e",
                                  "0",
                                  "9",
                                  " ",
                                  "\n",
                                  "x",
                                  "null",
                                  "true",
                                  "\x01",
                                  "\xc3\xa9",
                                  "\"model\":\"m\"",
                                  "\"input_tokens\":"};
    std::mt19937_64 random(5);
    for (int round = 0; round < 20000; ++round) {
        std::string text = valid;
        const int edits = 1 + static_cast<int>(random() % 3);
        for (int i = 0; i < edits; ++i) {
            const size_t at = random() % (text.size() + 1);
            const std::string& piece = pieces[random() % std::size(pieces)];
            switch (random() % 3) {
                case 0:
                    text.insert(at, piece);
                    break;
                case 1:
                    text.erase(at, 1 + random() % 3);
                    break;
                default:
                    text.replace(at, 1, piece);
            }
        }
        ASSERT_EQ(streamed(text), reference(text)) << text;
    }
}

}  // namespace
}  // namespace switchboard::metrics
