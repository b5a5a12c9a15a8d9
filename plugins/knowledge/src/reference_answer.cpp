// reference_answer.cpp: see reference_answer.hpp. The answer is written in one pass, item by
// item, into two texts: the pretty one (already escaped as the inside of a JSON string) and the
// compact one. No JSON tree is built: a full read at 10k entities used to spend most of its time
// making and dumping one small tree per item.
#include "reference_answer.hpp"

#include <string_view>

namespace knowledge {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Appends `text` escaped as the inside of a JSON string literal, as nlohmann::json::dump and
// JSON.stringify escape it: quote, backslash and control characters; UTF-8 passes through (the
// store only holds text that came in as parsed JSON, so it is valid UTF-8).
void append_escaped(std::string& out, std::string_view text) {
    size_t plain_from = 0;
    for (size_t at = 0; at < text.size(); ++at) {
        const auto c = static_cast<unsigned char>(text[at]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(text, plain_from, at - plain_from);
        plain_from = at + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 0xF];
        }
    }
    out.append(text, plain_from, text.size() - plain_from);
}

// The two texts of one answer.
class AnswerWriter {
 public:
    // Room for an answer whose compact text is about `compact_bytes`: the pretty text escapes
    // that text again and indents it, then the compact one follows it. Growing a text of tens
    // of MiB by doubling copied it several times over.
    explicit AnswerWriter(size_t compact_bytes) {
        compact_.reserve(compact_bytes);
        pretty_.reserve(3 * compact_bytes);
    }
    // Layout of the pretty text only (JSON.stringify's newlines and indentation).
    void layout(std::string_view pretty) { append_escaped(pretty_, pretty); }
    // Punctuation both texts have: the compact one as is, the pretty one after `pretty_before`.
    void punctuation(std::string_view pretty_before, std::string_view both) {
        append_escaped(pretty_, pretty_before);
        append_escaped(pretty_, both);
        compact_ += both;
    }
    // `"key": ` pretty and `"key":` compact.
    void key(std::string_view name) {
        pretty_ += "\\\"";
        pretty_ += name;  // our keys need no escaping
        pretty_ += "\\\": ";
        compact_ += '"';
        compact_ += name;
        compact_ += "\":";
    }
    // A string value: escaped once in the compact text, and that escaped literal escaped again
    // inside the pretty one.
    void string(std::string_view value) {
        const size_t literal_from = compact_.size();
        compact_ += '"';
        append_escaped(compact_, value);
        compact_ += '"';
        append_escaped(pretty_, std::string_view(compact_).substr(literal_from));
    }
    // The whole CallToolResult.
    std::string result() && {
        pretty_ += R"("}],"structuredContent":)";
        pretty_ += compact_;
        pretty_ += '}';
        return std::move(pretty_);
    }

 private:
    std::string pretty_ = R"({"content":[{"type":"text","text":")";  // the answer so far
    std::string compact_;
};

// `"key": value` as a member of an item at indent level 2 (items nest at level 2 in the graph's
// arrays, so their members sit at level 3).
void member(AnswerWriter& out, bool first, std::string_view name, std::string_view value) {
    out.punctuation("", first ? "" : ",");
    out.layout("\n      ");
    out.key(name);
    out.string(value);
}

void write_entity(AnswerWriter& out, const Entity& entity) {
    member(out, true, "name", entity.name);
    member(out, false, "entityType", entity.entity_type);
    out.punctuation("", ",");
    out.layout("\n      ");
    out.key("observations");
    out.punctuation("", "[");
    bool first = true;
    for (const Observation& observation : entity.observations) {
        out.punctuation("", first ? "" : ",");
        out.layout("\n        ");
        out.string(observation.content);
        first = false;
    }
    out.punctuation(entity.observations.empty() ? "" : "\n      ", "]");
}

void write_relation(AnswerWriter& out, const Relation& relation) {
    member(out, true, "from", relation.from);
    member(out, false, "to", relation.to);
    member(out, false, "relationType", relation.relation_type);
}

// `"key": [items]` at indent level 1, each item an object at level 2.
template <typename Item, typename WriteItem>
void write_array(AnswerWriter& out, std::string_view name, const std::vector<Item>& items, WriteItem write_item) {
    out.layout("\n  ");
    out.key(name);
    out.punctuation("", "[");
    bool first = true;
    for (const Item& item : items) {
        out.punctuation("", first ? "" : ",");
        out.punctuation("\n    ", "{");
        write_item(out, item);
        out.punctuation("\n    ", "}");
        first = false;
    }
    out.punctuation(items.empty() ? "" : "\n  ", "]");
}

// About the size of the compact text: the strings and each item's keys and punctuation.
size_t compact_size(const Graph& graph) {
    constexpr size_t kPerEntity = 48;  // {"name":"","entityType":"","observations":[]},
    constexpr size_t kPerObservation = 3;
    constexpr size_t kPerRelation = 40;  // {"from":"","to":"","relationType":""},
    size_t bytes = 32;
    for (const Entity& entity : graph.entities) {
        bytes += kPerEntity + entity.name.size() + entity.entity_type.size();
        for (const Observation& observation : entity.observations)
            bytes += kPerObservation + observation.content.size();
    }
    for (const Relation& relation : graph.relations)
        bytes += kPerRelation + relation.from.size() + relation.to.size() + relation.relation_type.size();
    return bytes;
}

}  // namespace

std::string reference_graph_answer(const Graph& graph) {
    AnswerWriter out(compact_size(graph));
    out.punctuation("", "{");
    write_array(out, "entities", graph.entities, write_entity);
    out.punctuation("", ",");
    write_array(out, "relations", graph.relations, write_relation);
    out.punctuation("\n", "}");
    return std::move(out).result();
}

}  // namespace knowledge
