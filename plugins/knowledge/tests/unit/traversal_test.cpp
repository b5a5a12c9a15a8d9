// traversal_test.cpp: neighbours, shortest paths and capped subgraphs.
#include "test_store.hpp"
#include "traversal.hpp"

namespace knowledge::testing {
namespace {

class TraversalTest : public StoreTest {
 protected:
    void SetUp() override {
        StoreTest::SetUp();
        // ann -member_of-> core -part_of-> org ; bob -member_of-> core ; bob -reports_to-> ann ; x (isolated)
        store_->create_entities(kProject,
                                {entity("ann", "person"), entity("bob", "person"), entity("core", "team"),
                                 entity("org", "team"), entity("x", "person")},
                                std::nullopt);
        store_->create_relations(kProject,
                                 {relation("ann", "core", "member_of"), relation("core", "org", "part_of"),
                                  relation("bob", "core", "member_of"), relation("bob", "ann", "reports_to")},
                                 std::nullopt);
    }
    static std::vector<std::string> reached(const Walk& walk) {
        std::vector<std::string> result;
        for (const Reached& r : walk.nodes) result.push_back(r.name + "@" + std::to_string(r.depth));
        return result;
    }
};

TEST_F(TraversalTest, NeighborsByDepthAndDirection) {
    WalkOptions options;
    options.direction = Direction::outgoing;
    EXPECT_EQ(reached(walk(*store_, kProject, "ann", options)), (std::vector<std::string>{"ann@0", "core@1"}));
    options.depth = 2;
    EXPECT_EQ(reached(walk(*store_, kProject, "ann", options)), (std::vector<std::string>{"ann@0", "core@1", "org@2"}));
    options.direction = Direction::incoming;
    options.depth = 1;
    EXPECT_EQ(reached(walk(*store_, kProject, "core", options)),
              (std::vector<std::string>{"core@0", "ann@1", "bob@1"}));
}

TEST_F(TraversalTest, NeighborsFilterByRelationType) {
    WalkOptions options;
    options.depth = 3;
    options.relation_types = {"reports_to"};
    EXPECT_EQ(reached(walk(*store_, kProject, "ann", options)), (std::vector<std::string>{"ann@0", "bob@1"}));
}

TEST_F(TraversalTest, SubgraphStopsAtNodeCap) {
    WalkOptions options;
    options.depth = 5;
    options.max_nodes = 2;
    const Walk result = walk(*store_, kProject, "core", options);
    EXPECT_EQ(result.nodes.size(), 2u);
    EXPECT_TRUE(result.truncated);
    options.max_nodes = 100;
    const Walk whole = walk(*store_, kProject, "core", options);
    EXPECT_EQ(whole.nodes.size(), 4u);  // x is not connected
    EXPECT_EQ(whole.relations.size(), 4u);
    EXPECT_FALSE(whole.truncated);
}

TEST_F(TraversalTest, ShortestPath) {
    WalkOptions options;
    options.depth = 6;
    const auto path = shortest_path(*store_, kProject, "bob", "org", options);
    ASSERT_TRUE(path);
    ASSERT_EQ(path->size(), 2u);
    EXPECT_EQ((*path)[0].relation_type, "member_of");
    EXPECT_EQ((*path)[1].relation_type, "part_of");
    EXPECT_FALSE(shortest_path(*store_, kProject, "ann", "x", options));
    options.direction = Direction::outgoing;
    EXPECT_FALSE(shortest_path(*store_, kProject, "org", "ann", options));
    options.depth = 1;
    options.direction = Direction::both;
    EXPECT_FALSE(shortest_path(*store_, kProject, "bob", "org", options));
    EXPECT_EQ(shortest_path(*store_, kProject, "ann", "ann", options)->size(), 0u);
}

}  // namespace
}  // namespace knowledge::testing
