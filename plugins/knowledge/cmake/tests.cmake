# tests.cmake: the knowledge plugin's ctest entries.
find_package(GTest REQUIRED)
include(GoogleTest)
set(knowledge_dir ${CMAKE_CURRENT_SOURCE_DIR})

# PRE_TEST: the tests are listed when ctest runs, not at build time.
gtest_discover_tests(knowledge_unit_tests TEST_PREFIX "knowledge." DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60)

# Node tests over the real binary (the differential test against the reference memory server,
# bad input, concurrency over Streamable HTTP, HTTP API). `npm ci` in tests/ installs their peers.
if(EXISTS ${knowledge_dir}/tests/package.json)
  foreach(suite differential bad_input concurrency features)
    add_test(NAME knowledge_${suite}
             COMMAND node --test --test-concurrency=1 ${knowledge_dir}/tests/${suite}.test.mjs)
    set_tests_properties(knowledge_${suite} PROPERTIES
      TIMEOUT 600
      ENVIRONMENT "SWITCHBOARD_BINARY=$<TARGET_FILE:switchboard>;SWITCHBOARD_PLUGIN_DIR=${SWITCHBOARD_PLUGIN_OUTPUT_DIR}")
  endforeach()
endif()
