/*
 * switchboard/ext/http.h: HTTP routes for front ends, service id "switchboard.http/1".
 *
 * A plugin gets this table with host->get_service(host->host, SB_HTTP_SERVICE_ID). Routes live
 * under /api/v1/<plugin-id>/ and share the auth and origin rules of /mcp. Routes registered when
 * the host runs without an HTTP transport are kept and simply never called.
 */
#ifndef SWITCHBOARD_EXT_HTTP_H
#define SWITCHBOARD_EXT_HTTP_H

#include "switchboard/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SB_HTTP_SERVICE_ID "switchboard.http/1"

/* One HTTP request routed to the plugin. Owned by the host; valid until http_respond or http_stream_end. */
typedef struct sb_http_request sb_http_request;

/* Handles a request; must end it with http_respond or http_stream_end, now or later. [executor] */
typedef void (*sb_http_handler_fn)(void* user, sb_http_request* request);

/*
 * A streamed response can no longer reach its client: the client closed the connection, stopped
 * reading until the host's write queue passed its limit (http.max_pending_write_bytes), or the
 * server is shutting down. Called at most once per stream. [any-thread] Must not block; it may
 * call http_stream_end for its request. It never runs after http_stream_end has returned.
 */
typedef void (*sb_http_stream_closed_fn)(void* user);

/* Whether `service` (a const sb_http_service*) has the appended function `field`. */
#define SB_HTTP_SERVICE_HAS(service, field) \
    ((service)->struct_size >= offsetof(sb_http_service, field) + sizeof((service)->field))

typedef struct sb_http_service {
    uint32_t struct_size;

    /*
     * Routes `method` ("GET", "POST", "PUT", "PATCH", "DELETE") on `path`, relative to
     * /api/v1/<plugin-id>. Segments written `{name}` match one path segment, read back from
     * "params" in http_request_info. Returns 1 when accepted; on 0, sb_host_api.last_error says why. [load-thread]
     */
    int (*add_route)(sb_host* host, sb_str method, sb_str path, sb_http_handler_fn handler, void* user);

    /*
     * JSON describing the request: {"method", "path", "query": {..}, "params": {..},
     * "headers": {lower-case name: value}}. Valid until http_respond or http_stream_end.
     */
    sb_str (*http_request_info)(sb_http_request* request);
    /* The raw body. Valid until http_respond or http_stream_end. */
    sb_str (*http_body)(sb_http_request* request);
    /* Ends the request. `content_type` of length 0 means "application/json". */
    void (*http_respond)(sb_http_request* request, int status, sb_str content_type, sb_str body);

    /*
     * Over Streamable HTTP, closes the SSE stream that carries `request`'s messages now, without
     * ending the request (SSE polling): the client reconnects with GET and Last-Event-ID and gets
     * the rest, the result included, on the resumed stream. Does nothing on other transports.
     * Call it while the request is in flight. [any-thread]
     */
    void (*close_request_stream)(sb_request* request);

    /* ---- streamed responses (appended; check SB_HTTP_SERVICE_HAS) ---- */

    /*
     * Answers `request` with a streamed body instead of http_respond: the status line and
     * headers leave now (chunked transfer encoding, so the connection can be reused afterwards),
     * and the body follows in http_stream_write calls. `content_type` of length 0 means
     * "text/event-stream", which also gets "Cache-Control: no-cache". `headers_json` is a JSON
     * object of extra header fields {"Name": "value"} (length 0: none). `on_closed` (may be NULL)
     * runs with `user` when the stream can no longer reach its client.
     *
     * Returns 1 when the stream began; 0 when the request was already answered or streamed, or
     * the host cannot stream it (headers_json is not an object of strings). Whatever it returns,
     * a request not answered with http_respond must be ended with http_stream_end.
     * OWNERSHIP: `request` stays valid until http_stream_end. [any-thread]
     */
    int (*http_stream_begin)(sb_http_request* request, int status, sb_str content_type, sb_str headers_json,
                             sb_http_stream_closed_fn on_closed, void* user);
    /*
     * Queues `bytes` as the next piece of the body (one chunk on the wire). Never blocks: a
     * client that stops reading is dropped once the host's write queue passes its limit, and
     * on_closed runs. Returns 1 when queued, 0 when the stream is closed or not begun (stop
     * writing and end it). Calls for one request must not overlap. [any-thread]
     */
    int (*http_stream_write)(sb_http_request* request, sb_str bytes);
    /*
     * Ends the streamed body (the last chunk, when the client is still there) and releases
     * `request`, which is invalid afterwards. Call it exactly once after http_stream_begin,
     * whether or not the stream closed, or instead of http_respond to give up on a request
     * (the client then gets a 500 if nothing was sent). Waits for an on_closed call running on
     * another thread to return. [any-thread]
     */
    void (*http_stream_end)(sb_http_request* request);
} sb_http_service;

#ifdef __cplusplus
}
#endif

#endif /* SWITCHBOARD_EXT_HTTP_H */
