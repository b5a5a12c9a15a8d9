// csv.cpp: see csv.hpp.
#include "csv.hpp"

#include <map>
#include <vector>

namespace switchboard::metrics {
namespace {

using Json = nlohmann::json;

void flatten(const Json& value, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
    if (value.is_object()) {
        for (const auto& [key, item] : value.items()) flatten(item, prefix.empty() ? key : prefix + "." + key, out);
        return;
    }
    std::string text;
    if (value.is_string())
        text = value.get<std::string>();
    else if (!value.is_null())
        text = value.dump();
    out.emplace_back(prefix, std::move(text));
}

std::string quote(const std::string& field) {
    if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
    std::string text = "\"";
    for (char c : field) {
        if (c == '"') text += '"';
        text += c;
    }
    text += '"';
    return text;
}

}  // namespace

std::string to_csv(const Json& rows) {
    std::vector<std::string> columns;
    std::map<std::string, size_t> index;
    std::vector<std::map<std::string, std::string>> flat_rows;
    for (const Json& row : rows) {
        std::vector<std::pair<std::string, std::string>> fields;
        flatten(row, "", fields);
        std::map<std::string, std::string> flat;
        for (auto& [name, text] : fields) {
            if (index.emplace(name, columns.size()).second) columns.push_back(name);
            flat[name] = std::move(text);
        }
        flat_rows.push_back(std::move(flat));
    }
    std::string out;
    for (size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) out += ',';
        out += quote(columns[i]);
    }
    out += "\r\n";
    for (const auto& flat : flat_rows) {
        for (size_t i = 0; i < columns.size(); ++i) {
            if (i > 0) out += ",";
            if (auto found = flat.find(columns[i]); found != flat.end()) out += quote(found->second);
        }
        out += "\r\n";
    }
    return out;
}

}  // namespace switchboard::metrics
