// plugin_loader.cpp: Boost.DLL loading and ABI checks.
#include "plugin_loader.hpp"

#include <dlfcn.h>

#include <cstddef>

namespace switchboard::host {
namespace {

std::string version(unsigned major, unsigned minor) { return std::to_string(major) + "." + std::to_string(minor); }

// The smallest entry an ABI 1.x plugin may export: everything up to `handle`.
constexpr size_t minimum_entry_size = offsetof(sb_plugin_entry, handle) + sizeof(sb_plugin_entry::handle);

}  // namespace

std::variant<LoadedLibrary, std::string> load_plugin_library(const std::filesystem::path& file) {
    const std::string where = file.string() + ": ";
    std::error_code exists_error;
    if (!std::filesystem::is_regular_file(file, exists_error)) return where + "no such plugin file";

    LoadedLibrary loaded;
    loaded.file = file;
    boost::dll::fs::error_code error;
    loaded.library.load(file.string(), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, error);
    if (error) {
        // Boost.DLL reports every dlopen failure as "Bad file descriptor"; dlerror() says why.
        const char* reason = ::dlerror();
        return where + "cannot be loaded as a shared library: " + (reason != nullptr ? reason : error.message());
    }
    if (!loaded.library.has(SB_ENTRY_SYMBOL))
        return where + "exports no \"" SB_ENTRY_SYMBOL
                       "\" symbol; is it a Switchboard plugin built with SWITCHBOARD_PLUGIN?";

    const auto& entry = loaded.library.get<const sb_plugin_entry>(SB_ENTRY_SYMBOL);
    const std::string host_abi = version(SB_ABI_MAJOR, SB_ABI_MINOR);
    const std::string plugin_abi = version(entry.abi_major, entry.abi_minor);
    if (entry.abi_major != SB_ABI_MAJOR)
        return where + "plugin ABI " + plugin_abi + " is incompatible with host ABI " + host_abi +
               " (the major versions must match); rebuild the plugin against this host's SDK";
    if (entry.abi_minor > SB_ABI_MINOR)
        return where + "plugin ABI " + plugin_abi + " is newer than host ABI " + host_abi +
               "; upgrade the host or rebuild the plugin against this host's SDK";
    if (entry.struct_size < minimum_entry_size)
        return where + "entry struct is " + std::to_string(entry.struct_size) + " bytes, smaller than the " +
               std::to_string(minimum_entry_size) + " that ABI " + plugin_abi + " requires";
    if (entry.create == nullptr || entry.destroy == nullptr || entry.handle == nullptr)
        return where + "entry lacks a create, destroy or handle function";
    if (entry.name == nullptr || entry.version == nullptr) return where + "entry lacks a name or version";
    loaded.entry = &entry;
    return loaded;
}

}  // namespace switchboard::host
