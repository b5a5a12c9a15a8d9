# tests.cmake: the workflow plugin's ctest entries.
find_package(GTest REQUIRED)
include(GoogleTest)
set(workflow_dir ${CMAKE_CURRENT_SOURCE_DIR})

gtest_discover_tests(workflow_unit_tests TEST_PREFIX "workflow." DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60)

# Node tests over the real binary with workflow.so and the test-only wftest.so.
# `npm ci` in tests/ installs the MCP TypeScript SDK they use.
if(EXISTS ${workflow_dir}/tests/package.json)
  set(workflow_test_env
    "SWITCHBOARD_BINARY=$<TARGET_FILE:switchboard>"
    "WORKFLOW_PLUGIN_DIR=$<TARGET_FILE_DIR:workflow>"
    "WFTEST_PLUGIN_DIR=$<TARGET_FILE_DIR:wftest>"
    "METRICS_PLUGIN_DIR=$<TARGET_FILE_DIR:metrics>"
    "KNOWLEDGE_PLUGIN_DIR=$<TARGET_FILE_DIR:knowledge>")
  # workflow_node_test(<name> [SERIAL] [TIMEOUT s] [ENV var=value...]): tests/<name>.test.mjs as
  # ctest workflow_<name>, one node test at a time inside it.
  function(workflow_node_test name)
    cmake_parse_arguments(arg "SERIAL" "TIMEOUT" "ENV" ${ARGN})
    if(NOT arg_TIMEOUT)
      set(arg_TIMEOUT 120)
    endif()
    add_test(NAME workflow_${name}
             COMMAND node --test --test-concurrency=1 ${workflow_dir}/tests/${name}.test.mjs)
    set_tests_properties(workflow_${name} PROPERTIES TIMEOUT ${arg_TIMEOUT} RUN_SERIAL ${arg_SERIAL}
                         ENVIRONMENT "${workflow_test_env};${arg_ENV}")
  endfunction()

  # Alone: its retry and pause timings are tens of milliseconds, which a parallel test can stretch.
  workflow_node_test(integration SERIAL)
  workflow_node_test(kinds)
  # The HTTP API over the real host's HTTP transport, the SSE event stream included.
  workflow_node_test(http)
  # Cron schedules: a seconds schedule fires, survives a restart, stops when disabled. Alone: it
  # asserts fire times within a second or two.
  workflow_node_test(schedule SERIAL)
  # Dispatch limits: pools, rates and why held calls wait.
  workflow_node_test(limits SERIAL)
  # LLM budgets with the real metrics plugin, and agent tasks with the test spawner (wfspawner).
  workflow_node_test(agents_budgets)
  # Workflows over the knowledge plugin's tools: data flow, a map, a tool error and compensation.
  workflow_node_test(knowledge)
  # The crash test: WORKFLOW_CRASH_KILLS sets how many times the host is killed (the issue asks 20).
  workflow_node_test(crash SERIAL TIMEOUT 180 ENV WORKFLOW_CRASH_KILLS=20)
endif()
