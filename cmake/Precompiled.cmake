# switchboard_precompile(target [headers...]): precompiles the headers nearly every file of the
# target parses (nlohmann/json alone takes seconds per file), plus the given ones. Used on targets
# with many files; SWITCHBOARD_PRECOMPILE_HEADERS=OFF turns it off, e.g. to check includes.
function(switchboard_precompile target)
  if(SWITCHBOARD_PRECOMPILE_HEADERS)
    target_precompile_headers(${target} PRIVATE
      <nlohmann/json.hpp> <functional> <map> <memory> <mutex> <optional> <string> <string_view> <vector>
      ${ARGN})
  endif()
endfunction()
