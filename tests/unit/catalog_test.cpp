// catalog_test.cpp: the router's registry: validation, ownership, paging and template matching.
#include "catalog.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace switchboard::host {
namespace {

using nlohmann::json;
using switchboard::testing::contains;

json tool(const std::string& name) {
    return {{"name", name}, {"description", "Does " + name + "."}, {"inputSchema", {{"type", "object"}}}};
}

// The refusal of `item` as a tool, or "" when it is valid.
std::string tool_problem(const json& item) { return validate_item(CatalogKind::tool, item).value_or(""); }

// prefix + n, built without `"literal" + std::string` (GCC 12 warns falsely on that under -O3).
std::string numbered(std::string prefix, int n) { return prefix.append(std::to_string(n)); }

TEST(CatalogValidation, AcceptsAWellFormedTool) {
    EXPECT_EQ(tool_problem(tool("ns.tool-name_1")), "");
    json full = tool("full");
    full["title"] = "Full";
    full["annotations"] = {{"readOnlyHint", true}};
    full["icons"] = json::array({{{"src", "https://example.com/i.png"}}});
    full["outputSchema"] = {{"type", "object"}, {"properties", {{"n", {{"type", "integer"}}}}}, {"required", {"n"}}};
    EXPECT_EQ(tool_problem(full), "");
}

TEST(CatalogValidation, ToolNameRule) {
    EXPECT_EQ(tool_problem(tool(std::string(64, 'a'))), "");
    EXPECT_EQ(tool_problem(tool("A-Z.a_z.0-9")), "");
    const std::string rule = "tool names are 1-64 characters of A-Z, a-z, 0-9, '_', '-' and '.'";
    EXPECT_EQ(tool_problem(tool(std::string(65, 'a'))), rule);
    EXPECT_EQ(tool_problem(tool("")), rule);
    EXPECT_EQ(tool_problem(tool("has space")), rule);
    EXPECT_EQ(tool_problem(tool("slash/name")), rule);
    EXPECT_EQ(tool_problem(tool("ünïcode")), rule);
    EXPECT_EQ(tool_problem(tool("new\nline")), rule);
    json numeric = tool("x");
    numeric["name"] = 42;
    EXPECT_EQ(tool_problem(numeric), rule);
    json unnamed = tool("x");
    unnamed.erase("name");
    EXPECT_EQ(tool_problem(unnamed), rule);
}

TEST(CatalogValidation, DescriptionIsRequired) {
    json item = tool("t");
    item.erase("description");
    EXPECT_EQ(tool_problem(item), "\"description\" is required: a non-empty string");
    item["description"] = "";
    EXPECT_EQ(tool_problem(item), "\"description\" is required: a non-empty string");
    item["description"] = json::array({"x"});
    EXPECT_EQ(tool_problem(item), "\"description\" is required: a non-empty string");
}

TEST(CatalogValidation, InputSchemaMustBeAnObjectSchema) {
    json item = tool("t");
    item.erase("inputSchema");
    EXPECT_EQ(tool_problem(item), "\"inputSchema\" is required: a JSON Schema object with \"type\": \"object\"");
    for (const json& schema : {json{{"type", "string"}}, json::object(), json("object"), json::array()}) {
        item["inputSchema"] = schema;
        EXPECT_EQ(tool_problem(item), "\"inputSchema\" must be a JSON Schema object with \"type\": \"object\"")
            << schema.dump();
    }
    item["inputSchema"] = {{"type", "object"}, {"properties", json::array()}};
    EXPECT_EQ(tool_problem(item), "\"inputSchema.properties\" must be an object");
    item["inputSchema"] = {{"type", "object"}, {"required", "name"}};
    EXPECT_EQ(tool_problem(item), "\"inputSchema.required\" must be an array of property names");
}

TEST(CatalogValidation, OutputSchemaIsOptionalButMustBeAnObjectSchema) {
    json item = tool("t");
    item["outputSchema"] = {{"type", "array"}};
    EXPECT_EQ(tool_problem(item), "\"outputSchema\" must be a JSON Schema object with \"type\": \"object\"");
    item["outputSchema"] = {{"type", "object"}, {"properties", "no"}};
    EXPECT_EQ(tool_problem(item), "\"outputSchema.properties\" must be an object");
}

TEST(CatalogValidation, OptionalToolFieldsHaveTypes) {
    json item = tool("t");
    item["title"] = 3;
    EXPECT_EQ(tool_problem(item), "\"title\" must be a string");
    item = tool("t");
    item["annotations"] = "read-only";
    EXPECT_EQ(tool_problem(item), "\"annotations\" must be an object");
    item = tool("t");
    item["icons"] = json::object();
    EXPECT_EQ(tool_problem(item), "\"icons\" must be an array");
    EXPECT_EQ(tool_problem(json::array()), "a tool must be a JSON object");
}

TEST(CatalogValidation, ResourcesTemplatesAndPrompts) {
    EXPECT_FALSE(validate_item(CatalogKind::resource, {{"uri", "a://b"}, {"name", "b"}}));
    EXPECT_EQ(*validate_item(CatalogKind::resource, {{"name", "b"}}), "\"uri\" is required: a non-empty string");
    EXPECT_EQ(*validate_item(CatalogKind::resource, {{"uri", "a://b"}}), "\"name\" is required: a non-empty string");
    EXPECT_EQ(*validate_item(CatalogKind::resource, {{"uri", "a://b"}, {"name", "b"}, {"mimeType", 1}}),
              "\"mimeType\" must be a string");

    EXPECT_FALSE(validate_item(CatalogKind::resource_template, {{"uriTemplate", "a://{x}/y"}, {"name", "t"}}));
    EXPECT_EQ(*validate_item(CatalogKind::resource_template, {{"uriTemplate", "a://{x/y"}, {"name", "t"}}),
              "\"uriTemplate\" has unbalanced braces");
    EXPECT_EQ(*validate_item(CatalogKind::resource_template, {{"uriTemplate", "a://x}/{y"}, {"name", "t"}}),
              "\"uriTemplate\" has unbalanced braces");
    EXPECT_EQ(*validate_item(CatalogKind::resource_template, {{"uriTemplate", "a://{{x}}"}, {"name", "t"}}),
              "\"uriTemplate\" has unbalanced braces");

    EXPECT_FALSE(
        validate_item(CatalogKind::prompt, {{"name", "p"}, {"arguments", {{{"name", "a"}, {"required", true}}}}}));
    EXPECT_EQ(*validate_item(CatalogKind::prompt, {{"name", "p"}, {"arguments", "a"}}),
              "\"arguments\" must be an array of {name, description?, required?}");
    EXPECT_EQ(*validate_item(CatalogKind::prompt, {{"name", "p"}, {"arguments", {{{"description", "x"}}}}}),
              "every prompt argument needs a non-empty \"name\"");
    EXPECT_EQ(
        *validate_item(CatalogKind::prompt, {{"name", "p"}, {"arguments", {{{"name", "a"}, {"required", "yes"}}}}}),
        "a prompt argument's \"required\" must be true or false");
}

TEST(Catalog, AddRefusesAnInvalidToolNamingThePlugin) {
    Catalog catalog;
    json item = tool("t");
    item["inputSchema"] = {{"type", "string"}};
    const auto refused = catalog.add(CatalogKind::tool, "broken", item);
    ASSERT_TRUE(refused);
    EXPECT_TRUE(contains(*refused, "\"t\"")) << *refused;
    EXPECT_TRUE(contains(*refused, "plugin \"broken\"")) << *refused;
    EXPECT_TRUE(contains(*refused, "\"inputSchema\" must be a JSON Schema object")) << *refused;
    EXPECT_TRUE(catalog.empty(CatalogKind::tool));
}

TEST(Catalog, CollisionNamesBothPlugins) {
    Catalog catalog;
    ASSERT_FALSE(catalog.add(CatalogKind::tool, "first", tool("shared_name")));
    const auto refused = catalog.add(CatalogKind::tool, "second", tool("shared_name"));
    ASSERT_TRUE(refused);
    EXPECT_TRUE(contains(*refused, "shared_name")) << *refused;
    EXPECT_TRUE(contains(*refused, "\"first\"")) << *refused;
    EXPECT_TRUE(contains(*refused, "\"second\"")) << *refused;
    // The first registration stands.
    EXPECT_EQ(catalog.find(CatalogKind::tool, "shared_name")->plugin, "first");
    EXPECT_EQ(catalog.size(CatalogKind::tool), 1u);
}

// What routing looks up on every call: the owner and whether the tool declares an outputSchema.
TEST(Catalog, OwnerNamesThePluginAndTheOutputSchema) {
    Catalog catalog;
    json with_output = tool("structured");
    with_output["outputSchema"] = {{"type", "object"}};
    ASSERT_FALSE(catalog.add(CatalogKind::tool, "p", with_output));
    ASSERT_FALSE(catalog.add(CatalogKind::tool, "q", tool("plain")));
    const auto structured = catalog.owner(CatalogKind::tool, "structured");
    ASSERT_TRUE(structured);
    EXPECT_EQ(structured->plugin, "p");
    EXPECT_TRUE(structured->output_schema);
    const auto plain = catalog.owner(CatalogKind::tool, "plain");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->plugin, "q");
    EXPECT_FALSE(plain->output_schema);
    EXPECT_FALSE(catalog.owner(CatalogKind::tool, "missing"));
    EXPECT_FALSE(catalog.owner(CatalogKind::prompt, "plain"));  // per kind
}

TEST(Catalog, CollisionsAreKeptPerKind) {
    Catalog catalog;
    ASSERT_FALSE(catalog.add(CatalogKind::tool, "a", tool("same")));
    EXPECT_FALSE(catalog.add(CatalogKind::prompt, "b", {{"name", "same"}}));
    ASSERT_FALSE(catalog.add(CatalogKind::resource, "a", {{"uri", "x://1"}, {"name", "one"}}));
    const auto refused = catalog.add(CatalogKind::resource, "b", {{"uri", "x://1"}, {"name", "other"}});
    ASSERT_TRUE(refused);
    EXPECT_TRUE(contains(*refused, "\"a\"") && contains(*refused, "\"b\"")) << *refused;
}

TEST(Catalog, RemoveOnlyByTheOwner) {
    Catalog catalog;
    ASSERT_FALSE(catalog.add(CatalogKind::tool, "owner", tool("mine")));
    EXPECT_FALSE(catalog.remove(CatalogKind::tool, "intruder", "mine"));
    EXPECT_TRUE(catalog.find(CatalogKind::tool, "mine"));
    EXPECT_FALSE(catalog.remove(CatalogKind::prompt, "owner", "mine"));  // wrong kind
    EXPECT_FALSE(catalog.remove(CatalogKind::tool, "owner", "unknown"));
    EXPECT_TRUE(catalog.remove(CatalogKind::tool, "owner", "mine"));
    EXPECT_FALSE(catalog.find(CatalogKind::tool, "mine"));
    EXPECT_FALSE(catalog.remove(CatalogKind::tool, "owner", "mine"));
    // The name is free again, for anyone.
    EXPECT_FALSE(catalog.add(CatalogKind::tool, "intruder", tool("mine")));
}

TEST(Catalog, RemovePluginRemovesEverythingItOwnsAndNothingElse) {
    Catalog catalog;
    ASSERT_FALSE(catalog.add(CatalogKind::tool, "a", tool("a1")));
    ASSERT_FALSE(catalog.add(CatalogKind::tool, "b", tool("b1")));
    ASSERT_FALSE(catalog.add(CatalogKind::prompt, "a", {{"name", "pa"}}));
    ASSERT_FALSE(catalog.add(CatalogKind::resource_template, "a", {{"uriTemplate", "a://{x}"}, {"name", "ta"}}));
    catalog.remove_plugin("a");
    EXPECT_FALSE(catalog.find(CatalogKind::tool, "a1"));
    EXPECT_TRUE(catalog.find(CatalogKind::tool, "b1"));
    EXPECT_TRUE(catalog.empty(CatalogKind::prompt));
    EXPECT_TRUE(catalog.empty(CatalogKind::resource_template));
}

// Walks every page of tools, returning the names in the order served.
std::vector<std::string> walk_pages(const Catalog& catalog, size_t page_size, size_t* pages = nullptr) {
    std::vector<std::string> names;
    std::optional<std::string> cursor;
    size_t count = 0;
    do {
        const CatalogPage page = catalog.list(CatalogKind::tool, cursor, page_size);
        EXPECT_LE(page.items.size(), page_size);
        for (const auto& item : page.items) names.push_back(item.at("name").get<std::string>());
        cursor = page.next_cursor;
        if (++count > 10000) break;
    } while (cursor);
    if (pages) *pages = count;
    return names;
}

TEST(Catalog, PaginationServesEveryItemOnceInOrder) {
    Catalog catalog;
    std::set<std::string> expected;
    for (int i = 0; i < 250; ++i) {
        const std::string name = numbered("tool_", i * 7919 % 1000);  // added out of order
        if (!expected.insert(name).second) continue;
        ASSERT_FALSE(catalog.add(CatalogKind::tool, i % 2 ? "odd" : "even", tool(name)));
    }
    for (size_t page_size : {1u, 7u, 100u, 250u, 1000u}) {
        size_t pages = 0;
        const std::vector<std::string> names = walk_pages(catalog, page_size, &pages);
        EXPECT_EQ(names, std::vector<std::string>(expected.begin(), expected.end())) << "page size " << page_size;
        EXPECT_EQ(pages, (expected.size() + page_size - 1) / page_size) << "page size " << page_size;
    }
}

TEST(Catalog, LastPageHasNoCursorAndAnEmptyCatalogOnePage) {
    Catalog catalog;
    CatalogPage page = catalog.list(CatalogKind::tool, std::nullopt, 10);
    EXPECT_TRUE(page.items.empty());
    EXPECT_FALSE(page.next_cursor);
    for (int i = 0; i < 10; ++i) ASSERT_FALSE(catalog.add(CatalogKind::tool, "p", tool(numbered("t", i))));
    page = catalog.list(CatalogKind::tool, std::nullopt, 10);
    EXPECT_EQ(page.items.size(), 10u);
    EXPECT_FALSE(page.next_cursor) << "a full last page must not promise more";
}

TEST(Catalog, CursorSurvivesChangesBetweenPages) {
    Catalog catalog;
    for (const char* name : {"a", "b", "c", "d", "e", "f"})
        ASSERT_FALSE(catalog.add(CatalogKind::tool, "p", tool(name)));
    const CatalogPage first = catalog.list(CatalogKind::tool, std::nullopt, 3);
    ASSERT_TRUE(first.next_cursor);
    // The last item served and one not yet served go away; a new one arrives before the boundary.
    ASSERT_TRUE(catalog.remove(CatalogKind::tool, "p", "c"));
    ASSERT_TRUE(catalog.remove(CatalogKind::tool, "p", "e"));
    ASSERT_FALSE(catalog.add(CatalogKind::tool, "p", tool("bb")));
    const CatalogPage second = catalog.list(CatalogKind::tool, first.next_cursor, 3);
    std::vector<std::string> names;
    for (const auto& item : second.items) names.push_back(item["name"]);
    EXPECT_EQ(names, (std::vector<std::string>{"d", "f"}));
    EXPECT_FALSE(second.next_cursor);
}

TEST(Catalog, InvalidCursorsAreRefused) {
    Catalog catalog;
    for (int i = 0; i < 5; ++i) ASSERT_FALSE(catalog.add(CatalogKind::tool, "p", tool(numbered("t", i))));
    const std::string valid = *catalog.list(CatalogKind::tool, std::nullopt, 2).next_cursor;
    for (const std::string& cursor : {std::string("garbage!!"), std::string(""), std::string("dG90YWxseQ=="),
                                      valid.substr(0, valid.size() - 2) + "@@", std::string("t1")}) {
        EXPECT_THROW(catalog.list(CatalogKind::tool, cursor, 2), InvalidCursor) << "cursor: " << cursor;
    }
    try {
        catalog.list(CatalogKind::tool, std::string("not a cursor"), 2);
        FAIL();
    } catch (const InvalidCursor& e) {
        EXPECT_TRUE(contains(e.what(), "nextCursor")) << e.what();
    }
}

TEST(Catalog, TemplateMatching) {
    Catalog catalog;
    ASSERT_FALSE(catalog.add(CatalogKind::resource_template, "fixture",
                             {{"uriTemplate", "test://template/{id}/data"}, {"name", "template-data"}}));
    ASSERT_FALSE(catalog.add(CatalogKind::resource_template, "runs",
                             {{"uriTemplate", "workflow://runs/{run}"}, {"name", "run"}}));
    const auto data = catalog.match_template("test://template/42/data");
    ASSERT_TRUE(data);
    EXPECT_EQ(data->plugin, "fixture");
    EXPECT_EQ(data->item["name"], "template-data");
    ASSERT_TRUE(catalog.match_template("workflow://runs/r-1"));
    EXPECT_EQ(catalog.match_template("workflow://runs/r-1")->plugin, "runs");
    EXPECT_FALSE(catalog.match_template("test://template/42/other"));
    EXPECT_FALSE(catalog.match_template("test://template//data"));
    EXPECT_FALSE(catalog.match_template("workflow://runs/r-1/steps"));
    EXPECT_FALSE(catalog.match_template("workflow://runs/"));
}

TEST(Catalog, JsonSchema2020InputSchemaSurvivesUnchanged) {
    const json schema = json::parse(R"({
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "type": "object",
      "$defs": {"address": {"$anchor": "address", "type": "object",
                            "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
      "properties": {
        "name": {"type": "string"},
        "address": {"$ref": "#/$defs/address"},
        "contact": {"anyOf": [{"type": "string", "format": "email"}, {"type": "string", "pattern": "^\\+"}]},
        "kind": {"type": "string"}
      },
      "allOf": [{"required": ["name"]}],
      "if": {"properties": {"kind": {"const": "company"}}},
      "then": {"required": ["address"]},
      "else": {"required": []},
      "additionalProperties": false
    })");
    json item = tool("json_schema_2020_12_tool");
    item["inputSchema"] = schema;
    Catalog catalog;
    ASSERT_FALSE(catalog.add(CatalogKind::tool, "fixture", item));
    EXPECT_EQ(catalog.find(CatalogKind::tool, "json_schema_2020_12_tool")->item["inputSchema"], schema);
    const CatalogPage page = catalog.list(CatalogKind::tool, std::nullopt, 10);
    ASSERT_EQ(page.items.size(), 1u);
    EXPECT_EQ(page.items[0], item);
    EXPECT_EQ(page.items[0]["inputSchema"].dump(), schema.dump());
}

TEST(Catalog, DescribePluginGroupsByKind) {
    Catalog catalog;
    ASSERT_FALSE(catalog.add(CatalogKind::tool, "a", tool("t1")));
    ASSERT_FALSE(catalog.add(CatalogKind::tool, "b", tool("t2")));
    ASSERT_FALSE(catalog.add(CatalogKind::resource, "a", {{"uri", "a://r"}, {"name", "r"}}));
    const json described = catalog.describe_plugin("a");
    EXPECT_EQ(described["tools"], json::array({tool("t1")}));
    EXPECT_EQ(described["resources"].size(), 1u);
    EXPECT_EQ(described["resourceTemplates"], json::array());
    EXPECT_EQ(described["prompts"], json::array());
}

}  // namespace
}  // namespace switchboard::host
