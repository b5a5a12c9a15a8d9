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

/* One HTTP request routed to the plugin. Owned by the host; valid until http_respond. */
typedef struct sb_http_request sb_http_request;

/* Handles a request; must end it with http_respond, now or later. [executor] */
typedef void (*sb_http_handler_fn)(void* user, sb_http_request* request);

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
     * "headers": {lower-case name: value}}. Valid until http_respond.
     */
    sb_str (*http_request_info)(sb_http_request* request);
    /* The raw body. Valid until http_respond. */
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
} sb_http_service;

#ifdef __cplusplus
}
#endif

#endif /* SWITCHBOARD_EXT_HTTP_H */
