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
  add_test(NAME workflow_integration
           COMMAND node --test --test-concurrency=1 ${workflow_dir}/tests/integration.test.mjs)
  # Alone: its retry and pause timings are tens of milliseconds, which a parallel test can stretch.
  set_tests_properties(workflow_integration PROPERTIES TIMEOUT 120 RUN_SERIAL TRUE ENVIRONMENT "${workflow_test_env}")
  add_test(NAME workflow_kinds
           COMMAND node --test --test-concurrency=1 ${workflow_dir}/tests/kinds.test.mjs)
  set_tests_properties(workflow_kinds PROPERTIES TIMEOUT 120 ENVIRONMENT "${workflow_test_env}")
  # The HTTP API over the real host's HTTP transport, the SSE event stream included.
  add_test(NAME workflow_http
           COMMAND node --test --test-concurrency=1 ${workflow_dir}/tests/http.test.mjs)
  set_tests_properties(workflow_http PROPERTIES TIMEOUT 120 ENVIRONMENT "${workflow_test_env}")
  # Cron schedules: a seconds schedule fires, survives a restart, stops when disabled. Alone: it
  # asserts fire times within a second or two.
  add_test(NAME workflow_schedule
           COMMAND node --test --test-concurrency=1 ${workflow_dir}/tests/schedule.test.mjs)
  set_tests_properties(workflow_schedule PROPERTIES TIMEOUT 120 RUN_SERIAL TRUE ENVIRONMENT "${workflow_test_env}")
  # Dispatch limits: pools, rates and why held calls wait.
  add_test(NAME workflow_limits
           COMMAND node --test --test-concurrency=1 ${workflow_dir}/tests/limits.test.mjs)
  set_tests_properties(workflow_limits PROPERTIES TIMEOUT 120 RUN_SERIAL TRUE ENVIRONMENT "${workflow_test_env}")
  # LLM budgets with the real metrics plugin, and agent tasks with the test spawner (wfspawner).
  add_test(NAME workflow_agents_budgets
           COMMAND node --test --test-concurrency=1 ${workflow_dir}/tests/agents_budgets.test.mjs)
  set_tests_properties(workflow_agents_budgets PROPERTIES TIMEOUT 120 ENVIRONMENT "${workflow_test_env}")
  # Workflows over the knowledge plugin's tools: data flow, a map, a tool error and compensation.
  add_test(NAME workflow_knowledge
           COMMAND node --test --test-concurrency=1 ${workflow_dir}/tests/knowledge.test.mjs)
  set_tests_properties(workflow_knowledge PROPERTIES TIMEOUT 120 ENVIRONMENT "${workflow_test_env}")
  # The crash test: WORKFLOW_CRASH_KILLS sets how many times the host is killed (the issue asks 20).
  add_test(NAME workflow_crash
           COMMAND node --test --test-concurrency=1 ${workflow_dir}/tests/crash.test.mjs)
  set_tests_properties(workflow_crash PROPERTIES TIMEOUT 180 RUN_SERIAL TRUE
                       ENVIRONMENT "${workflow_test_env};WORKFLOW_CRASH_KILLS=20")
endif()
