// prometheus_test.cpp: the exposition output parses under a strict reader of the text format
// (0.0.4), and its histograms are well formed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "test_support.hpp"

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;

struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value;
};

struct Exposition {
    std::map<std::string, std::string> types;  // family -> type
    std::vector<Sample> samples;
};

// Parses label pairs at `at` (just after '{'); unescapes \\, \" and \n; refuses anything else.
std::map<std::string, std::string> parse_labels(const std::string& line, size_t& at) {
    std::map<std::string, std::string> labels;
    static const std::regex name_pattern("[a-zA-Z_][a-zA-Z0-9_]*");
    while (true) {
        if (line.at(at) == '}') {
            ++at;
            return labels;
        }
        const size_t eq = line.find('=', at);
        if (eq == std::string::npos) throw std::runtime_error("label without '=': " + line);
        const std::string name = line.substr(at, eq - at);
        if (!std::regex_match(name, name_pattern)) throw std::runtime_error("bad label name: " + name);
        if (line.at(eq + 1) != '"') throw std::runtime_error("label value not quoted: " + line);
        std::string value;
        size_t i = eq + 2;
        for (; line.at(i) != '"'; ++i) {
            if (line[i] == '\\') {
                const char next = line.at(++i);
                if (next == 'n')
                    value += '\n';
                else if (next == '\\' || next == '"')
                    value += next;
                else
                    throw std::runtime_error("bad escape in: " + line);
            } else {
                value += line[i];
            }
        }
        if (!labels.emplace(name, value).second) throw std::runtime_error("duplicate label " + name);
        at = i + 1;
        if (line.at(at) == ',') ++at;
    }
}

Exposition parse(const std::string& text) {
    Exposition out;
    static const std::regex metric_name("[a-zA-Z_:][a-zA-Z0-9_:]*");
    std::istringstream lines(text);
    std::string line;
    std::set<std::string> finished;  // families whose samples ended: they must not come back
    std::string current;
    if (text.empty() || text.back() != '\n') throw std::runtime_error("the output must end with a newline");
    while (std::getline(lines, line)) {
        if (line.empty()) throw std::runtime_error("empty line");
        if (line.rfind("# HELP ", 0) == 0) continue;
        if (line.rfind("# TYPE ", 0) == 0) {
            std::istringstream words(line.substr(7));
            std::string family, type;
            words >> family >> type;
            if (!std::regex_match(family, metric_name)) throw std::runtime_error("bad family " + family);
            if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" && type != "untyped")
                throw std::runtime_error("bad type " + type);
            if (!out.types.emplace(family, type).second) throw std::runtime_error("TYPE twice for " + family);
            if (!current.empty()) finished.insert(current);
            current = family;
            continue;
        }
        if (line[0] == '#') throw std::runtime_error("unknown comment: " + line);
        size_t at = line.find_first_of("{ ");
        Sample sample;
        sample.name = line.substr(0, at);
        if (!std::regex_match(sample.name, metric_name)) throw std::runtime_error("bad metric name " + sample.name);
        if (line.at(at) == '{') sample.labels = parse_labels(line, ++at);
        if (line.at(at) != ' ') throw std::runtime_error("no space before the value: " + line);
        const std::string value = line.substr(at + 1);
        size_t used = 0;
        sample.value = value == "+Inf" ? INFINITY : std::stod(value, &used);
        if (value != "+Inf" && used != value.size()) throw std::runtime_error("bad value: " + line);
        std::string family = sample.name;
        for (const char* suffix : {"_bucket", "_sum", "_count"}) {
            const std::string s(suffix);
            if (out.types.count(family) == 0 && family.size() > s.size() &&
                family.compare(family.size() - s.size(), s.size(), s) == 0)
                family = family.substr(0, family.size() - s.size());
        }
        if (out.types.count(family) == 0) throw std::runtime_error("sample before its TYPE: " + line);
        if (family != current || finished.count(family) != 0)
            throw std::runtime_error("samples of " + family + " are not together");
        out.samples.push_back(std::move(sample));
    }
    return out;
}

// Every histogram series: buckets ascending in le with non-decreasing counts, +Inf == _count.
void check_histograms(const Exposition& exposition) {
    for (const auto& [family, type] : exposition.types) {
        if (type != "histogram") continue;
        std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
        std::map<std::map<std::string, std::string>, double> counts;
        for (const Sample& s : exposition.samples) {
            if (s.name == family + "_bucket") {
                auto labels = s.labels;
                const std::string le = labels.at("le");
                labels.erase("le");
                buckets[labels].emplace_back(le == "+Inf" ? INFINITY : std::stod(le), s.value);
            } else if (s.name == family + "_count") {
                counts[s.labels] = s.value;
            }
        }
        for (const auto& [labels, series] : buckets) {
            ASSERT_FALSE(series.empty());
            for (size_t i = 1; i < series.size(); ++i) {
                EXPECT_LT(series[i - 1].first, series[i].first) << family;
                EXPECT_LE(series[i - 1].second, series[i].second) << family;
            }
            EXPECT_TRUE(std::isinf(series.back().first)) << family << " lacks +Inf";
            EXPECT_EQ(series.back().second, counts.at(labels)) << family;
        }
    }
}

TEST(Prometheus, OutputParsesAndHistogramsAreWellFormed) {
    testing::Harness h;
    h.service->budget_set({{"scope", "project"}, {"scope_value", "we\"b\\\nx"}, {"limit_usd", 10.0}});
    h.service->record_llm_call({{"provider", "anthropic"},
                                {"model", "claude-sonnet-4-5"},
                                {"input_tokens", 100},
                                {"cache_read_tokens", 900},
                                {"output_tokens", 50},
                                {"latency_ms", 1500},
                                {"project", "we\"b\\\nx"}});
    h.service->record_llm_call({{"provider", "openai"},
                                {"model", "gpt-4o"},
                                {"input_tokens", 300000},
                                {"output_tokens", 5},
                                {"latency_ms", 90000},
                                {"status", "timeout"}});
    h.service->on_tool_called(
        {{"tool", "x_y"}, {"plugin", "x"}, {"duration_ms", 12.5}, {"ok", true}, {"outcome", "ok"}});
    h.service->on_tool_called(
        {{"tool", "x_y"}, {"plugin", "x"}, {"duration_ms", 700000}, {"ok", false}, {"outcome", "tool_error"}});
    const std::string text = h.service->prometheus();
    Exposition exposition;
    ASSERT_NO_THROW(exposition = parse(text)) << text;
    check_histograms(exposition);
    EXPECT_EQ(exposition.types.at("gen_ai_client_token_usage"), "histogram");
    EXPECT_EQ(exposition.types.at("gen_ai_client_operation_duration_seconds"), "histogram");
    EXPECT_EQ(exposition.types.at("mcp_server_operation_duration_seconds"), "histogram");
    EXPECT_EQ(exposition.types.at("switchboard_llm_cost_usd_total"), "counter");
    EXPECT_EQ(exposition.types.at("switchboard_budget_used_ratio"), "gauge");

    // OpenTelemetry's input total counts cached tokens: Anthropic's 100 + 900 cached = 1000.
    bool found_input = false;
    for (const Sample& s : exposition.samples) {
        if (s.name == "gen_ai_client_token_usage_sum" && s.labels.at("gen_ai_request_model") == "claude-sonnet-4-5" &&
            s.labels.at("gen_ai_token_type") == "input") {
            EXPECT_EQ(s.value, 1000);
            found_input = true;
        }
        if (s.name == "switchboard_budget_spent_usd") {
            EXPECT_EQ(s.labels.at("scope_value"), "we\"b\\\nx");
        }
    }
    EXPECT_TRUE(found_input);
    EXPECT_NE(text.find("error_type=\"timeout\""), std::string::npos);
    EXPECT_NE(text.find("le=\"81.92\""), std::string::npos);
}

TEST(Prometheus, StateIsReloadedFromTheDatabase) {
    const std::string path = ::testing::TempDir() + "metrics_prometheus_reload.db";
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
    std::string before;
    {
        testing::Harness h(path);
        h.spend(0.25, {{"input_tokens", 10}, {"latency_ms", 30}});
        before = h.service->prometheus();
    }
    testing::Harness h(path);
    EXPECT_EQ(h.service->prometheus(), before);
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

TEST(Prometheus, ParserRejectsMalformedText) {
    EXPECT_THROW(parse("x 1\n"), std::runtime_error);                             // no TYPE
    EXPECT_THROW(parse("# TYPE x gauge\nx{a=\"1} 1\n"), std::exception);          // unterminated
    EXPECT_THROW(parse("# TYPE x gauge\nx{a=\"\\q\"} 1\n"), std::runtime_error);  // bad escape
    EXPECT_THROW(parse("# TYPE x gauge\nx 1"), std::runtime_error);               // no final newline
}

}  // namespace
}  // namespace switchboard::metrics
