// llm_call_text.hpp: an LlmCall straight from the JSON text of an `llm.call.completed` payload,
// the bus's hot path, without building a JSON tree.
//
// One pass over the text reads the fields parse_llm_call knows into their slots, as views into
// the text, and skips the others. Anything it does not accept as it stands (a value of the wrong
// type or out of range, a duplicate field, escapes or non-ASCII text, text that is not JSON) is
// handed to the reference path, parse_llm_call over the parsed tree, so both agree on every
// input and every error message.
#pragma once

#include <string_view>

#include "records.hpp"

namespace switchboard::metrics {

// Throws InputError (record_parsing.hpp), naming the field and what is accepted.
LlmCall parse_llm_call_text(std::string_view payload_json, int64_t now_ms);

}  // namespace switchboard::metrics
