// tool_schemas.hpp: the inputSchema and outputSchema of each metrics tool.
#pragma once

#include <nlohmann/json.hpp>

namespace switchboard::metrics::schemas {

nlohmann::json record_llm_call_input();
nlohmann::json record_llm_call_output();
nlohmann::json summary_input();
nlohmann::json summary_output();
nlohmann::json breakdown_input(bool time_series);
nlohmann::json breakdown_output(bool time_series);
nlohmann::json forecast_input();
nlohmann::json forecast_output();
nlohmann::json budget_set_input();
nlohmann::json budget_set_output();
nlohmann::json budget_list_output();
nlohmann::json budget_check_input();
nlohmann::json budget_check_output();
nlohmann::json recommendations_input();
nlohmann::json recommendations_output();
nlohmann::json prices_input();
nlohmann::json prices_output();

}  // namespace switchboard::metrics::schemas
