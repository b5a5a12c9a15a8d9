// test_store.hpp: a KnowledgeStore in a fresh temporary directory, removed after the test.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "store.hpp"

namespace knowledge::testing {

inline const std::string kProject = "default";

class StoreTest : public ::testing::Test {
 protected:
    void SetUp() override {
        std::random_device random;
        directory_ = std::filesystem::temp_directory_path() / ("knowledge-test-" + std::to_string(random()));
        std::filesystem::create_directories(directory_);
        store_ = std::make_unique<KnowledgeStore>((directory_ / "knowledge.db").string());
    }
    void TearDown() override {
        store_.reset();
        std::filesystem::remove_all(directory_);
    }
    std::string path() const { return (directory_ / "knowledge.db").string(); }

    static NewEntity entity(std::string name, std::string type, std::vector<std::string> observations = {}) {
        NewEntity value;
        value.name = std::move(name);
        value.entity_type = std::move(type);
        value.observations = std::move(observations);
        return value;
    }
    static NewRelation relation(std::string from, std::string to, std::string type) {
        return NewRelation{{std::move(from), std::move(to), std::move(type)}, Json::object(), std::nullopt};
    }
    static std::vector<std::string> names(const Graph& graph) {
        std::vector<std::string> result;
        for (const Entity& e : graph.entities) result.push_back(e.name);
        return result;
    }
    static std::vector<std::string> contents(const Entity& entity) {
        std::vector<std::string> result;
        for (const Observation& o : entity.observations) result.push_back(o.content);
        return result;
    }

    std::filesystem::path directory_;
    std::unique_ptr<KnowledgeStore> store_;
};

}  // namespace knowledge::testing
