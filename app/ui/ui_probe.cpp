#include "ui/ui_probe.h"

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

namespace socketlab::ui {
namespace {

bool g_enabled = false;
std::vector<ProbedItem> g_items;  // the UI thread's only

}  // namespace

void enable_ui_probe(bool on) {
    g_enabled = on;
}

bool ui_probe_enabled() {
    return g_enabled;
}

void clear_ui_probe() {
    g_items.clear();
}

void probe_item(const std::string& name) {
    if (!g_enabled) return;
    ProbedItem item;
    item.name = name;
    item.min = ImGui::GetItemRectMin();
    item.max = ImGui::GetItemRectMax();
    // The window's clip rectangle (inside its parents' too): what of the item can be seen.
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 clip_min = draw->GetClipRectMin(), clip_max = draw->GetClipRectMax();
    item.shown_min = ImVec2(std::max(item.min.x, clip_min.x), std::max(item.min.y, clip_min.y));
    item.shown_max = ImVec2(std::min(item.max.x, clip_max.x), std::min(item.max.y, clip_max.y));
    if (item.shown_max.x < item.shown_min.x || item.shown_max.y < item.shown_min.y)
        item.shown_min = item.shown_max = ImVec2(0, 0);  // nothing of it shows
    g_items.push_back(std::move(item));
}

const std::vector<ProbedItem>& probed_items() {
    return g_items;
}

bool write_ui_dump(const std::string& path, int width, int height, float text_scale) {
    nlohmann::json items = nlohmann::json::array();
    for (const ProbedItem& i : g_items)
        items.push_back({{"name", i.name},
                         {"rect", {i.min.x, i.min.y, i.max.x, i.max.y}},
                         {"shown", {i.shown_min.x, i.shown_min.y, i.shown_max.x, i.shown_max.y}}});
    const nlohmann::json dump = {
        {"width", width}, {"height", height}, {"text_scale", text_scale}, {"items", items}};
    std::ofstream out(path);
    out << dump.dump(1) << "\n";
    return static_cast<bool>(out);
}

}  // namespace socketlab::ui
