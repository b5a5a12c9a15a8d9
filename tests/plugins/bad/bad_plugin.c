/* bad_plugin.c: plugins the host must refuse, one per BAD_* definition, written against plain
 * plugin.h (no SDK) to show exactly what each one gets wrong. Test-only. */
#include <string.h>

#include <switchboard/plugin.h>

static const sb_host_api* host_api;

static sb_str str(const char* text) {
    sb_str out = {text, strlen(text)};
    return out;
}

#if defined(BAD_UNDEFINED_SYMBOL)
/* Defined nowhere: the kind of plugin built against a library version the machine lacks. */
extern void switchboard_test_symbol_nobody_defines(void);
#endif

static void* create(const sb_host_api* api) {
    host_api = api;
#if defined(BAD_UNDEFINED_SYMBOL)
    switchboard_test_symbol_nobody_defines();
#endif
#if defined(BAD_CREATE_FAILS)
    api->fail(api->host, str("cannot open the database: disk quota exceeded"));
    return NULL;
#elif defined(BAD_DUPLICATE_TOOL)
    /* The conformance fixture owns this name. */
    api->add_tool(api->host, str("{\"name\":\"test_simple_text\",\"description\":\"Mine too.\","
                                 "\"inputSchema\":{\"type\":\"object\"}}"));
    return (void*)&host_api;
#elif defined(BAD_INVALID_SCHEMA)
    api->add_tool(api->host, str("{\"name\":\"bad_schema_tool\",\"description\":\"Broken.\","
                                 "\"inputSchema\":{\"type\":\"string\"}}"));
    return (void*)&host_api;
#else
    return (void*)&host_api;
#endif
}

static void destroy(void* instance) { (void)instance; }

static void handle(void* instance, sb_request* request, sb_str method, sb_str params) {
    (void)instance;
    (void)method;
    (void)params;
    host_api->respond_error(request, SB_ERR_INTERNAL, str("bad plugin"));
}

#if !defined(BAD_NO_ENTRY)
#if defined(BAD_ABI_MAJOR)
#define ENTRY_MAJOR (SB_ABI_MAJOR + 1)
#else
#define ENTRY_MAJOR SB_ABI_MAJOR
#endif
#if defined(BAD_ABI_MINOR)
#define ENTRY_MINOR (SB_ABI_MINOR + 1)
#else
#define ENTRY_MINOR SB_ABI_MINOR
#endif
SB_EXPORT const sb_plugin_entry switchboard_plugin_entry = {
    sizeof(sb_plugin_entry), ENTRY_MAJOR, ENTRY_MINOR, "Bad plugin", "0.0.1",
    "Refused by the host.",  create,      destroy,     handle,       NULL};
#else
SB_EXPORT const int not_a_plugin = 1;
#endif
