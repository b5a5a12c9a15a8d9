// plugin_loader_test.cpp: opening plugin libraries, the ABI rule, and PluginManager refusing bad plugins
// with the file and the reason while the good ones load.
#include "plugin_loader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "executor.hpp"
#include "plugin_manager.hpp"
#include "server.hpp"
#include "test_support.hpp"

namespace switchboard::host {
namespace {

namespace fs = std::filesystem;
using switchboard::testing::contains;
using switchboard::testing::TempDir;
using switchboard::testing::test_plugin;
using switchboard::testing::test_plugin_dir;

// The refusal for `file`, or a test failure when it loads.
std::string refusal(const fs::path& file) {
    auto loaded = load_plugin_library(file);
    if (auto* reason = std::get_if<std::string>(&loaded)) return *reason;
    ADD_FAILURE() << file << " loaded but should have been refused";
    return {};
}

const std::string host_abi = std::to_string(SB_ABI_MAJOR) + "." + std::to_string(SB_ABI_MINOR);

TEST(PluginLoader, LoadsTheConformanceFixture) {
    auto loaded = load_plugin_library(test_plugin("conformance_fixture"));
    ASSERT_TRUE(std::holds_alternative<LoadedLibrary>(loaded)) << std::get<std::string>(loaded);
    const LoadedLibrary& library = std::get<LoadedLibrary>(loaded);
    ASSERT_NE(library.entry, nullptr);
    EXPECT_EQ(library.entry->abi_major, SB_ABI_MAJOR);
    EXPECT_LE(library.entry->abi_minor, SB_ABI_MINOR);
    EXPECT_EQ(library.entry->struct_size, sizeof(sb_plugin_entry));
    EXPECT_STREQ(library.entry->name, "MCP conformance fixture");
    EXPECT_STREQ(library.entry->version, "1.0.0");
    EXPECT_EQ(library.file, test_plugin("conformance_fixture"));
}

TEST(PluginLoader, MissingEntrySymbol) {
    const fs::path file = test_plugin("bad_no_entry");
    const std::string reason = refusal(file);
    EXPECT_TRUE(contains(reason, file.string() + ": ")) << reason;
    EXPECT_TRUE(contains(reason, "exports no \"switchboard_plugin_entry\" symbol")) << reason;
}

TEST(PluginLoader, AbiMajorMismatchNamesBothVersions) {
    const fs::path file = test_plugin("bad_abi_major");
    const std::string reason = refusal(file);
    const std::string plugin_abi = std::to_string(SB_ABI_MAJOR + 1) + "." + std::to_string(SB_ABI_MINOR);
    EXPECT_TRUE(contains(reason, file.string() + ": ")) << reason;
    EXPECT_TRUE(contains(reason, "plugin ABI " + plugin_abi)) << reason;
    EXPECT_TRUE(contains(reason, "host ABI " + host_abi)) << reason;
    EXPECT_TRUE(contains(reason, "major")) << reason;
}

TEST(PluginLoader, AbiMinorNewerThanTheHost) {
    const fs::path file = test_plugin("bad_abi_minor");
    const std::string reason = refusal(file);
    const std::string plugin_abi = std::to_string(SB_ABI_MAJOR) + "." + std::to_string(SB_ABI_MINOR + 1);
    EXPECT_TRUE(contains(reason, file.string() + ": ")) << reason;
    EXPECT_TRUE(contains(reason, "plugin ABI " + plugin_abi + " is newer than host ABI " + host_abi)) << reason;
}

TEST(PluginLoader, NotASharedLibrary) {
    TempDir dir;
    const fs::path file = dir.write("text_plugin.so", "this is a text file, not an ELF shared object\n");
    const std::string reason = refusal(file);
    EXPECT_TRUE(contains(reason, file.string() + ": ")) << reason;
    EXPECT_TRUE(contains(reason, "cannot be loaded as a shared library")) << reason;
}

TEST(PluginLoader, UndefinedSymbolIsNamed) {
    const fs::path file = test_plugin("bad_undefined_symbol");
    const std::string reason = refusal(file);
    EXPECT_TRUE(contains(reason, file.string() + ": cannot be loaded as a shared library")) << reason;
    EXPECT_TRUE(contains(reason, "undefined symbol: switchboard_test_symbol_nobody_defines")) << reason;
}

TEST(PluginLoader, MissingFileAndDirectory) {
    TempDir dir;
    const fs::path missing = dir.path() / "nowhere.so";
    std::string reason = refusal(missing);
    EXPECT_EQ(reason, missing.string() + ": no such plugin file");
    reason = refusal(dir.path());
    EXPECT_EQ(reason, dir.path().string() + ": no such plugin file");
}

// A real Server with its executor, and the PluginManager that loads into it.
class PluginManagerTest : public ::testing::Test {
 protected:
    Config make_config() {
        Config config;
        config.data_dir = data_.path();
        config.plugin_paths = {test_plugin_dir()};
        return config;
    }
    void start(Config config) {
        server_ = std::make_unique<Server>(std::move(config), executor_);
        manager_ = std::make_unique<PluginManager>(*server_);
    }
    void TearDown() override {
        executor_.stop();
        if (manager_) manager_->destroy_all();
    }

    TempDir data_;
    Executor executor_{2, 2};
    std::unique_ptr<Server> server_;
    std::unique_ptr<PluginManager> manager_;
};

// The refusal in `refusals` that names `file`; fails the test when there is not exactly one.
std::string refusal_naming(const std::vector<std::string>& refusals, const fs::path& file) {
    std::string found;
    int count = 0;
    for (const auto& refusal : refusals) {
        if (!contains(refusal, file.string() + ":")) continue;
        found = refusal;
        ++count;
    }
    EXPECT_EQ(count, 1) << "refusals naming " << file;
    return found;
}

TEST_F(PluginManagerTest, GoodPluginLoadsAndEveryBadOneIsRefusedWithFileAndReason) {
    Config config = make_config();
    for (const char* id : {"conformance_fixture", "bad_no_entry", "bad_abi_major", "bad_abi_minor", "bad_create_fails",
                           "bad_invalid_schema"})
        config.plugins[id] = PluginSettings{};
    // Plugins load in id order and the first to register a name keeps it, so the duplicate goes under
    // an id that sorts after the fixture's.
    PluginSettings duplicate;
    duplicate.path = test_plugin("bad_duplicate_tool");
    config.plugins["zz_duplicate_tool"] = duplicate;
    start(config);

    const std::vector<std::string> refusals = manager_->load_all(config);
    std::string all;
    for (const auto& refusal : refusals) all += refusal + "\n";
    SCOPED_TRACE("refusals:\n" + all);
    EXPECT_EQ(refusals.size(), 6u);

    // The good one serves.
    ASSERT_EQ(manager_->plugins().size(), 1u);
    EXPECT_EQ(manager_->plugins().front()->id(), "conformance_fixture");
    ASSERT_TRUE(server_->catalog().find(CatalogKind::tool, "test_simple_text"));
    EXPECT_EQ(server_->catalog().find(CatalogKind::tool, "test_simple_text")->plugin, "conformance_fixture");
    EXPECT_TRUE(server_->catalog().find(CatalogKind::tool, "json_schema_2020_12_tool"));
    EXPECT_TRUE(server_->catalog().find(CatalogKind::resource, "test://static-text"));
    EXPECT_TRUE(server_->catalog().find(CatalogKind::prompt, "test_simple_prompt"));
    EXPECT_NE(server_->plugin("conformance_fixture"), nullptr);

    EXPECT_TRUE(contains(refusal_naming(refusals, test_plugin("bad_no_entry")), "switchboard_plugin_entry"));
    EXPECT_TRUE(contains(refusal_naming(refusals, test_plugin("bad_abi_major")), "incompatible with host ABI"));
    EXPECT_TRUE(contains(refusal_naming(refusals, test_plugin("bad_abi_minor")), "newer than host ABI"));

    const std::string create_fails = refusal_naming(refusals, test_plugin("bad_create_fails"));
    EXPECT_TRUE(contains(create_fails, "plugin \"bad_create_fails\" refused")) << create_fails;
    EXPECT_TRUE(contains(create_fails, "cannot open the database: disk quota exceeded")) << create_fails;

    const std::string duplicate_tool = refusal_naming(refusals, test_plugin("bad_duplicate_tool"));
    EXPECT_TRUE(contains(duplicate_tool, "test_simple_text")) << duplicate_tool;
    EXPECT_TRUE(contains(duplicate_tool, "\"zz_duplicate_tool\"")) << duplicate_tool;
    EXPECT_TRUE(contains(duplicate_tool, "\"conformance_fixture\"")) << duplicate_tool;

    const std::string invalid_schema = refusal_naming(refusals, test_plugin("bad_invalid_schema"));
    EXPECT_TRUE(contains(invalid_schema, "bad_schema_tool")) << invalid_schema;
    EXPECT_TRUE(contains(invalid_schema, "\"inputSchema\" must be a JSON Schema object")) << invalid_schema;

    // Refused plugins leave nothing behind: no routes, no names.
    for (const char* id : {"bad_create_fails", "bad_invalid_schema", "zz_duplicate_tool"}) {
        EXPECT_EQ(server_->plugin(id), nullptr) << id;
        const auto offers = server_->catalog().describe_plugin(id);
        EXPECT_TRUE(offers["tools"].empty()) << id;
    }
    EXPECT_FALSE(server_->catalog().find(CatalogKind::tool, "bad_schema_tool"));
}

TEST_F(PluginManagerTest, PluginMissingFromThePathsIsReported) {
    Config config = make_config();
    config.plugins["no_such_plugin"] = PluginSettings{};
    start(config);
    const auto refusals = manager_->load_all(config);
    ASSERT_EQ(refusals.size(), 1u);
    EXPECT_TRUE(contains(refusals[0], "no_such_plugin.so")) << refusals[0];
    EXPECT_TRUE(contains(refusals[0], test_plugin_dir().string())) << refusals[0];
    EXPECT_TRUE(manager_->plugins().empty());
}

TEST_F(PluginManagerTest, DisabledPluginsAreNotLoaded) {
    Config config = make_config();
    PluginSettings off;
    off.enabled = false;
    config.plugins["conformance_fixture"] = off;
    config.plugins["bad_abi_major"] = off;
    start(config);
    EXPECT_TRUE(manager_->load_all(config).empty());
    EXPECT_TRUE(manager_->plugins().empty());
    EXPECT_TRUE(server_->catalog().empty(CatalogKind::tool));
}

TEST_F(PluginManagerTest, PlanPutsConfiguredPluginsBeforeDiscoveredOnes) {
    Config config = make_config();
    config.discover = true;
    config.plugins["zz_fixture"] = PluginSettings{};
    config.plugins["zz_fixture"].path = test_plugin("conformance_fixture");
    PluginSettings off;
    off.enabled = false;
    config.plugins["bad_abi_minor"] = off;
    const PluginPlan plan = plan_plugins(config);
    ASSERT_FALSE(plan.candidates.empty());
    EXPECT_EQ(plan.candidates.front().id, "zz_fixture");
    bool saw_major = false;
    for (const auto& candidate : plan.candidates) {
        EXPECT_NE(candidate.id, "bad_abi_minor") << "a disabled plugin was discovered";
        saw_major = saw_major || candidate.id == "bad_abi_major";
    }
    EXPECT_TRUE(saw_major);
}

TEST_F(PluginManagerTest, PluginGetsItsConfigAndDataDirectory) {
    Config config = make_config();
    start(config);
    ASSERT_FALSE(manager_->load("conformance_fixture", test_plugin("conformance_fixture"), {{"answer", 42}}));
    EXPECT_TRUE(fs::is_directory(data_.path() / "conformance_fixture"));
    // Loading a second copy under another id collides on every name and is refused naming both.
    const auto second = manager_->load("fixture_copy", test_plugin("conformance_fixture"), nlohmann::json::object());
    ASSERT_TRUE(second);
    EXPECT_TRUE(contains(*second, "\"fixture_copy\"")) << *second;
    EXPECT_TRUE(contains(*second, "\"conformance_fixture\"")) << *second;
    EXPECT_EQ(manager_->plugins().size(), 1u);
    EXPECT_EQ(server_->catalog().find(CatalogKind::tool, "test_simple_text")->plugin, "conformance_fixture");
}

}  // namespace
}  // namespace switchboard::host
