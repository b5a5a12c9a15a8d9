# switchboard_add_plugin(<id> SOURCES <files>... [LIBRARIES <targets>...] [OUTPUT_DIRECTORY <dir>])
#
# Builds the plugin <id> as <id>.so: a MODULE library against the SDK, compiled with hidden
# visibility so that it exports only `switchboard_plugin_entry`. Load it by adding the directory
# to `plugin_paths` and <id> to `plugins` in the host config, or by its path.
function(switchboard_add_plugin id)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES")
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "switchboard_add_plugin(${id}): SOURCES is required")
  endif()
  add_library(${id} MODULE ${ARG_SOURCES})
  target_link_libraries(${id} PRIVATE SwitchboardSDK::sdk ${ARG_LIBRARIES})
  target_compile_features(${id} PRIVATE cxx_std_20)
  set_target_properties(${id} PROPERTIES
    PREFIX ""
    SUFFIX ".so"
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # Hidden visibility does not cover instantiations of std:: templates (libstdc++ declares them
  # with default visibility); a version script keeps them, and all else, local.
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    set(exports ${CMAKE_CURRENT_BINARY_DIR}/${id}.exports)
    file(CONFIGURE OUTPUT ${exports} CONTENT "{\n  global: switchboard_plugin_entry;\n  local: *;\n};\n")
    target_link_options(${id} PRIVATE "LINKER:--version-script=${exports}")
    set_property(TARGET ${id} APPEND PROPERTY LINK_DEPENDS ${exports})
  endif()
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${id} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  endif()
endfunction()
