// traversal.cpp: see traversal.hpp.
#include "traversal.hpp"

#include <deque>
#include <map>
#include <set>

namespace knowledge {

Walk walk(KnowledgeStore& store, const std::string& project, const std::string& start, const WalkOptions& options) {
    Walk result;
    std::map<std::string, int> depth_of{{start, 0}};
    std::set<int64_t> followed;
    std::deque<std::string> queue{start};
    result.nodes.push_back({start, 0});
    while (!queue.empty()) {
        const std::string name = queue.front();
        queue.pop_front();
        const int depth = depth_of[name];
        if (depth >= options.depth) continue;
        for (Edge& edge : store.edges(project, name, options.direction, options.relation_types, options.as_of)) {
            const bool known = depth_of.count(edge.neighbor) > 0;
            if (!known && result.nodes.size() >= options.max_nodes) {
                result.truncated = true;
                continue;
            }
            if (followed.insert(edge.relation.id).second) result.relations.push_back(edge.relation);
            if (known) continue;
            depth_of[edge.neighbor] = depth + 1;
            result.nodes.push_back({edge.neighbor, depth + 1});
            queue.push_back(edge.neighbor);
        }
    }
    return result;
}

std::optional<std::vector<Relation>> shortest_path(KnowledgeStore& store, const std::string& project,
                                                   const std::string& from, const std::string& to,
                                                   const WalkOptions& options) {
    if (from == to) return std::vector<Relation>{};
    std::map<std::string, std::pair<std::string, Relation>> came_from;  // node -> (previous node, via)
    std::map<std::string, int> depth_of{{from, 0}};
    std::deque<std::string> queue{from};
    while (!queue.empty()) {
        const std::string name = queue.front();
        queue.pop_front();
        const int depth = depth_of[name];
        if (depth >= options.depth) continue;
        for (Edge& edge : store.edges(project, name, options.direction, options.relation_types, options.as_of)) {
            if (depth_of.count(edge.neighbor) > 0) continue;
            depth_of[edge.neighbor] = depth + 1;
            came_from.emplace(edge.neighbor, std::make_pair(name, edge.relation));
            if (edge.neighbor == to) {
                std::vector<Relation> path;
                for (std::string at = to; at != from;) {
                    const auto& [previous, via] = came_from.at(at);
                    path.insert(path.begin(), via);
                    at = previous;
                }
                return path;
            }
            if (depth_of.size() >= options.max_nodes) return std::nullopt;
            queue.push_back(edge.neighbor);
        }
    }
    return std::nullopt;
}

}  // namespace knowledge
