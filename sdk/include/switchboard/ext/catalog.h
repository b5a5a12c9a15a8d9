/*
 * switchboard/ext/catalog.h: what the host's catalog knows about other plugins' offers, service
 * id "switchboard.catalog/1".
 *
 * A plugin gets this table with host->get_service(host->host, SB_CATALOG_SERVICE_ID). A plugin
 * that calls tools by name (a workflow engine, say) uses it to learn who serves them.
 */
#ifndef SWITCHBOARD_EXT_CATALOG_H
#define SWITCHBOARD_EXT_CATALOG_H

#include "switchboard/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SB_CATALOG_SERVICE_ID "switchboard.catalog/1"

typedef struct sb_catalog_service {
    uint32_t struct_size; /* sizeof(sb_catalog_service) when the host was built */
    /*
     * The id of the plugin that serves tool `name` (its key under "plugins" in the config), or an
     * empty string when no plugin does. The text stays valid until this thread calls tool_owner
     * again. [any-thread]
     */
    sb_str (*tool_owner)(sb_host* host, sb_str name);
} sb_catalog_service;

#ifdef __cplusplus
}
#endif

#endif /* SWITCHBOARD_EXT_CATALOG_H */
