// time_test.cpp: validity, supersession and "as of" reads.
#include <chrono>
#include <thread>

#include "clock.hpp"
#include "test_store.hpp"

namespace knowledge::testing {
namespace {

// Waits until the millisecond clock has moved on, so two writes get different times.
std::string tick() {
    const std::string before = now_iso();
    while (now_iso() == before) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return now_iso();
}

TEST(Clock, NormalizesAcceptedTimes) {
    EXPECT_EQ(normalize_time("2026-05-01"), "2026-05-01T00:00:00.000Z");
    EXPECT_EQ(normalize_time("2026-05-01T12:30Z"), "2026-05-01T12:30:00.000Z");
    EXPECT_EQ(normalize_time("2026-05-01T12:30:15.250Z"), "2026-05-01T12:30:15.250Z");
    EXPECT_EQ(normalize_time("yesterday"), "");
    EXPECT_EQ(normalize_time("2026-13-01"), "");
    EXPECT_EQ(normalize_time("2026-05-01T12:30:00+02:00"), "");
}

TEST_F(StoreTest, SupersedingAnObservationKeepsTheOldOneReadableAsOf) {
    store_->create_entities(kProject, {entity("Plan", "decision", {"ship in May"})}, "a");
    const std::string before = tick();
    tick();
    store_->supersede_observation(kProject, "Plan", "ship in May", "ship in June", "b");
    EXPECT_EQ(contents(*store_->find_entity(kProject, "Plan")), (std::vector<std::string>{"ship in June"}));
    EXPECT_EQ(contents(*store_->find_entity(kProject, "Plan", before)), (std::vector<std::string>{"ship in May"}));
    EXPECT_THROW(store_->supersede_observation(kProject, "Plan", "ship in May", "x", "b"), NotFound);
    // search_nodes sees only the current fact; as of before, the old one.
    EXPECT_TRUE(store_->search_nodes(kProject, "may").entities.empty());
    EXPECT_EQ(store_->search_nodes(kProject, "may", {}, before).entities.size(), 1u);
}

TEST_F(StoreTest, SupersedingAnEntityClosesItAndItsRelations) {
    store_->create_entities(kProject, {entity("Spec v1", "document", {"old"}), entity("Team", "team")}, "a");
    store_->create_relations(kProject, {relation("Team", "Spec v1", "owns")}, "a");
    const std::string before = tick();
    tick();
    store_->supersede_entity(kProject, "Spec v1", entity("Spec v2", "document", {"new"}), "b");
    const Graph now = store_->read_graph(kProject);
    EXPECT_EQ(names(now), (std::vector<std::string>{"Team", "Spec v2"}));
    ASSERT_EQ(now.relations.size(), 1u);
    EXPECT_EQ(now.relations[0].relation_type, "supersedes");
    const Graph then = store_->read_graph(kProject, {}, before);
    EXPECT_EQ(names(then), (std::vector<std::string>{"Spec v1", "Team"}));
    ASSERT_EQ(then.relations.size(), 1u);
    EXPECT_EQ(then.relations[0].relation_type, "owns");
    EXPECT_EQ(contents(then.entities[0]), (std::vector<std::string>{"old"}));
    // A closed entity takes no new observations.
    EXPECT_THROW(store_->add_observations(kProject, {{"Spec v1", {"more"}}}, std::nullopt), NotFound);
}

TEST_F(StoreTest, ClosedRelationDisappearsNowButNotAsOfAndCanBeReopened) {
    store_->create_relations(kProject, {relation("A", "B", "depends_on")}, std::nullopt);
    const std::string before = tick();
    tick();
    EXPECT_TRUE(store_->close_relation(kProject, {"A", "B", "depends_on"}));
    EXPECT_FALSE(store_->close_relation(kProject, {"A", "B", "depends_on"}));
    EXPECT_TRUE(store_->read_graph(kProject).relations.empty());
    EXPECT_EQ(store_->read_graph(kProject, {}, before).relations.size(), 1u);
    EXPECT_EQ(store_->create_relations(kProject, {relation("A", "B", "depends_on")}, std::nullopt).size(), 1u);
    EXPECT_EQ(store_->read_graph(kProject).relations.size(), 1u);
}

TEST_F(StoreTest, ValidFromInTheFutureIsNotYetTrueAsOfToday) {
    NewEntity later = entity("Launch", "task");
    later.valid_from = "2099-01-01T00:00:00.000Z";
    store_->create_entities(kProject, {later}, std::nullopt);
    EXPECT_TRUE(store_->read_graph(kProject, {}, now_iso()).entities.empty());
    EXPECT_EQ(store_->read_graph(kProject, {}, std::string("2099-06-01T00:00:00.000Z")).entities.size(), 1u);
}

}  // namespace
}  // namespace knowledge::testing
