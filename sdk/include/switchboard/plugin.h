/*
 * switchboard/plugin.h: the C ABI between the Switchboard host and a plugin.
 *
 * This header is the only normative contract. A plugin is a shared library that exports one data
 * symbol, `switchboard_plugin_entry` (an sb_plugin_entry). The host loads it with
 * RTLD_NOW | RTLD_LOCAL, checks the ABI version, calls `create` with a service table
 * (sb_host_api), and from then on routes MCP requests to `handle`.
 *
 * Rules that hold everywhere in this file:
 *  - Only C types cross. Text is UTF-8 as pointer + length (sb_str); JSON crosses as text.
 *  - Nothing allocated on one side is freed on the other. A buffer the host passes in is valid
 *    only for the duration of the call that passed it, unless a field says otherwise; copy what
 *    you keep. Text the plugin passes to the host is copied before the call returns.
 *  - No C++ exception may cross the boundary in either direction.
 *  - Every struct starts with `struct_size`. New fields are appended, never reordered, and the
 *    minor version goes up. A reader checks `struct_size` before touching an appended field.
 *
 * Version rule: the host loads a plugin when abi_major equals SB_ABI_MAJOR and abi_minor is at
 * most the host's SB_ABI_MINOR.
 *
 * Thread tags: [any-thread] may be called from any thread, concurrently. [load-thread] is the
 * thread that loaded the plugin; the host never calls two [load-thread] functions of one plugin
 * at once. [executor] is a host executor thread (see sb_host_api.post). [io-thread] is a host
 * thread that does network or pipe I/O; work there delays every client of that transport.
 */
#ifndef SWITCHBOARD_PLUGIN_H
#define SWITCHBOARD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SB_ABI_MAJOR 1
#define SB_ABI_MINOR 1

/* The name of the exported data symbol. */
#define SB_ENTRY_SYMBOL "switchboard_plugin_entry"

#if defined(_WIN32)
#define SB_EXPORT __declspec(dllexport)
#else
#define SB_EXPORT __attribute__((visibility("default")))
#endif

/* UTF-8 text that need not be NUL-terminated. `data` may be NULL when `size` is 0. */
typedef struct sb_str {
    const char* data;
    size_t size;
} sb_str;

/* The eight MCP (syslog) levels, lowest first. */
typedef enum sb_log_level {
    SB_LOG_DEBUG = 0,
    SB_LOG_INFO = 1,
    SB_LOG_NOTICE = 2,
    SB_LOG_WARNING = 3,
    SB_LOG_ERROR = 4,
    SB_LOG_CRITICAL = 5,
    SB_LOG_ALERT = 6,
    SB_LOG_EMERGENCY = 7
} sb_log_level;

/* JSON-RPC error codes a plugin may use in respond_error. */
#define SB_ERR_INVALID_PARAMS (-32602)
#define SB_ERR_INTERNAL (-32603)
#define SB_ERR_METHOD_NOT_FOUND (-32601)
/* MCP's "resource not found". */
#define SB_ERR_RESOURCE_NOT_FOUND (-32002)

/* Opaque handles, owned by the host. */
typedef struct sb_host sb_host;       /* this plugin's view of the host; valid until destroy returns */
typedef struct sb_request sb_request; /* one in-flight request routed to the plugin */

/* A unit of work for the executor. */
typedef void (*sb_task_fn)(void* user);

/*
 * Delivery of a bus event. `topic` and `payload_json` are valid for the call only. [executor], or
 * the publisher's thread for a subscription made with subscribe_inline.
 */
typedef void (*sb_event_fn)(void* user, sb_str topic, sb_str payload_json);

/*
 * Completion of something asynchronous the plugin asked for: a tool call through the router or a
 * request to the client. `ok` is 1 with `json` holding the JSON-RPC result, or 0 with `json`
 * holding a JSON-RPC error object {"code","message","data"?}. Called exactly once. [executor]
 */
typedef void (*sb_reply_fn)(void* user, int ok, sb_str json);

/*
 * The service table. The host passes it to `create`; the pointer and every function in it stay
 * valid until `destroy` returns. Unless a function says otherwise it is [any-thread].
 */
typedef struct sb_host_api {
    uint32_t struct_size;
    sb_host* host; /* pass as the first argument of the functions below */

    /* Where the plugin is. Valid until destroy returns. */
    sb_str plugin_id;   /* the id the config uses, for example "knowledge" */
    sb_str data_dir;    /* this plugin's own directory, created by the host */
    sb_str config_json; /* the plugin's `config` object from the host config, "{}" if none */

    /* ---- logging to the host's log (stderr or file; never stdout) ---- */
    void (*log)(sb_host* host, sb_log_level level, sb_str message);

    /*
     * Why `create` failed. Call before returning NULL from create; the host prints the reason
     * with the file name. [load-thread]
     */
    void (*fail)(sb_host* host, sb_str reason);

    /* ---- executor ---- */
    /* Runs `fn(user)` soon on an executor thread. Use for short, non-blocking work. */
    void (*post)(sb_host* host, sb_task_fn fn, void* user);
    /* Runs `fn(user)` on the blocking pool: disk, SQLite, network calls. */
    void (*post_blocking)(sb_host* host, sb_task_fn fn, void* user);
    /* Runs `fn(user)` on an executor thread after `delay_ms`. Returns a timer id (never 0). */
    uint64_t (*post_after)(sb_host* host, uint64_t delay_ms, sb_task_fn fn, void* user);
    /* Stops a timer. Returns 1 when `fn` will not run, 0 when it ran or is running. */
    int (*cancel_timer)(sb_host* host, uint64_t timer_id);

    /*
     * ---- what the plugin offers ----
     * Each takes the MCP JSON object for one item (a Tool, Resource, ResourceTemplate or Prompt
     * of the MCP schema) and returns 1 when accepted. On 0, `last_error` says why. The host
     * validates names (tools: ^[A-Za-z0-9_.-]{1,64}$), required fields and schemas, refuses a
     * name another plugin owns, and tells initialized clients that the list changed.
     */
    int (*add_tool)(sb_host* host, sb_str tool_json);
    int (*remove_tool)(sb_host* host, sb_str name);
    int (*add_resource)(sb_host* host, sb_str resource_json);
    int (*remove_resource)(sb_host* host, sb_str uri);
    int (*add_resource_template)(sb_host* host, sb_str template_json);
    int (*remove_resource_template)(sb_host* host, sb_str uri_template);
    int (*add_prompt)(sb_host* host, sb_str prompt_json);
    int (*remove_prompt)(sb_host* host, sb_str name);
    /* Text added to the server's `instructions` in the initialize result. */
    void (*set_instructions)(sb_host* host, sb_str instructions);
    /*
     * The reason the last call on this thread that returned 0 failed. Valid until the next call
     * into the host on the same thread.
     */
    sb_str (*last_error)(sb_host* host);

    /* A resource's content changed: subscribed clients get notifications/resources/updated. */
    void (*resource_updated)(sb_host* host, sb_str uri);

    /*
     * ---- event bus ----
     * Topics are dot-separated, `<source>.<noun>.<verb>`. In a pattern, `*` matches one segment
     * and a final `#` matches any number of trailing segments ("workflow.#"). Events reach one
     * subscription in publish order. Returns a subscription id (never 0).
     */
    uint64_t (*subscribe)(sb_host* host, sb_str pattern, sb_event_fn fn, void* user);
    /* After it returns, `fn` is not called again for this id. Do not call it from inside `fn`. */
    void (*unsubscribe)(sb_host* host, uint64_t subscription);
    void (*publish)(sb_host* host, sb_str topic, sb_str payload_json);

    /*
     * ---- calling any routed tool ----
     * `params_json` is a tools/call params object: {"name", "arguments"?, "_meta"?}. The reply
     * carries the CallToolResult. Returns a call id for cancel_call, or 0 when the call could not
     * be routed (malformed params, unknown tool); `reply` then carries the error.
     */
    uint64_t (*call_tool)(sb_host* host, sb_str params_json, sb_reply_fn reply, void* user);
    /* Asks the callee to stop; `reply` still runs, with a result or an error. */
    void (*cancel_call)(sb_host* host, uint64_t call_id);

    /*
     * ---- per-request functions (the `request` handed to sb_plugin_entry.handle) ----
     * The plugin must end every request exactly once, with respond or respond_error, even when
     * it was cancelled. After that the handle is invalid.
     */
    /* Ends the request with a JSON-RPC result (for tools/call, a CallToolResult). */
    void (*respond)(sb_request* request, sb_str result_json);
    /* Ends the request with a JSON-RPC error. */
    void (*respond_error)(sb_request* request, int32_t code, sb_str message);
    /* notifications/progress, when the client asked for progress. `total` < 0 means unknown. */
    void (*progress)(sb_request* request, double progress, double total, sb_str message);
    /* notifications/message for this request's client, when `level` passes its log level. */
    void (*log_message)(sb_request* request, sb_log_level level, sb_str logger, sb_str data_json);
    /* 1 once the client cancelled the request or the host is shutting down. */
    int (*is_cancelled)(sb_request* request);
    /*
     * JSON about the request: {"method", "session", "protocolVersion", "clientInfo",
     * "clientCapabilities", "meta"}. Valid until the request ends.
     */
    sb_str (*request_info)(sb_request* request);
    /*
     * Sends a server-to-client request ("sampling/createMessage", "elicitation/create",
     * "roots/list", ...) to the client of `request`. When the client did not declare the needed
     * capability, `reply` gets an error at once that says so.
     */
    void (*client_request)(sb_request* request, sb_str method, sb_str params_json, sb_reply_fn reply, void* user);

    /*
     * ---- optional services ----
     * Returns the service table for a versioned id such as "switchboard.http/1" (see
     * switchboard/ext/), or NULL when this host does not offer it.
     */
    const void* (*get_service)(sb_host* host, const char* service_id);

    /* ---- appended in ABI 1.1: check struct_size before use ---- */

    /*
     * Like subscribe, but `fn` runs inside publish, on the publisher's thread (often an
     * [io-thread] that has just written a response), instead of on the executor. It spares a
     * thread wake-up per event, for observers of frequent events such as host.tool.called. `fn`
     * must only copy what it needs and return: no blocking, no waiting on locks held for long, no
     * call back into the bus. The host never runs `fn` twice at once for one subscription.
     * End it with unsubscribe.
     */
    uint64_t (*subscribe_inline)(sb_host* host, sb_str pattern, sb_event_fn fn, void* user);
} sb_host_api;

/*
 * The exported entry. It is plain data, so the host reads the versions before it runs any
 * plugin code.
 */
typedef struct sb_plugin_entry {
    uint32_t struct_size; /* sizeof(sb_plugin_entry) when built */
    uint16_t abi_major;   /* SB_ABI_MAJOR when built */
    uint16_t abi_minor;   /* SB_ABI_MINOR when built */

    /* Static NUL-terminated UTF-8 strings. */
    const char* name;        /* human-readable, "Knowledge graph" */
    const char* version;     /* the plugin's own version, "1.2.0" */
    const char* description; /* one sentence */

    /*
     * Creates an instance and registers what it offers through `host`. Returns NULL on failure,
     * after calling host->fail with the reason. `host` stays valid until destroy returns.
     * [load-thread]
     */
    void* (*create)(const sb_host_api* host);

    /*
     * Destroys the instance. Called once, at shutdown, after every request has ended or been
     * abandoned as cancelled. Must stop timers and wait for the plugin's own threads. [load-thread]
     */
    void (*destroy)(void* instance);

    /*
     * Handles one routed request: "tools/call", "resources/read", "prompts/get" or
     * "completion/complete". `params_json` is the request's params object; it and `method` are
     * valid for the call only. Runs on the host I/O thread that read the request, so it must
     * return quickly and never block: do blocking work via post_blocking and end the request
     * later with respond. [io-thread]
     */
    void (*handle)(void* instance, sb_request* request, sb_str method, sb_str params_json);

    /*
     * Optional (may be NULL). The client cancelled `request`. A hint to stop early; the plugin
     * still ends the request. May run concurrently with work on the request. [any-thread]
     */
    void (*cancelled)(void* instance, sb_request* request);
} sb_plugin_entry;

#ifdef __cplusplus
}
#endif

#endif /* SWITCHBOARD_PLUGIN_H */
