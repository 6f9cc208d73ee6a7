#include "ui/packets_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "capture/pcap_file.h"
#include "ui/fonts.h"
#include "ui/theme.h"
#include "ui/toolbar_layout.h"

namespace socketlab::ui {

void PacketsPanel::forget_if_other_run(const LessonRun& run) {
    if (&run == run_ && run.lesson().id == lesson_id_) return;
    run_ = &run;
    lesson_id_ = run.lesson().id;
    flow_.clear();
    selection_ = PacketSelection{.relative = selection_.relative};  // the toggle stays
    ladder_ = LadderView{};
    graph_ = TimeSequenceView{};
    detail_ = PacketDetailView{};
    stats_ = CaptureStats{};
    stats_read_at_ = -1.0;
    save_message_.clear();
    const char* home = std::getenv("HOME");
    save_path_ = (home && *home ? std::string(home) + "/" : std::string()) + "socketlab-" +
                 lesson_id_ + ".pcap";
}

size_t PacketsPanel::packet_count(LessonRun& run) {
    forget_if_other_run(run);
    flow_.update(run.record().events(), run.record().dropped_events());
    return flow_.packets().size();
}

void PacketsPanel::draw(LessonRun& run, double now, Settings& settings, bool compact) {
    forget_if_other_run(run);
    flow_.update(run.record().events(), run.record().dropped_events());
    draw_header(run, now, settings, compact);

    const std::string problem = run.session()->capture_problem();
    if (!problem.empty()) {
        // No packets: say exactly why, and what would fix it, where the packets would be.
        ImGui::Spacing();
        ImGui::PushTextWrapPos(0.0f);
        ImGui::PushFont(fonts().heading3);
        ImGui::TextColored(theme::error(), "No packets can be captured here");
        ImGui::PopFont();
        ImGui::TextUnformatted(problem.c_str());
        ImGui::Spacing();
        ImGui::TextDisabled(
            "The lesson's socket calls still run for real (see Calls and bytes); only the "
            "packets they cause cannot be shown.");
        ImGui::PopTextWrapPos();
        return;
    }

    // The ladder comes first. With room (1x), it shares the height with the list and the
    // detail (the splitter moves the line between them). Without (2x text under the step
    // controls), it takes all the visible height and the list and detail wait below it: the
    // pane scrolls to them rather than squeezing all three flat.
    // Measured as if the pane were not scrolled, so scrolling it never changes the layout.
    const float visible = ImGui::GetContentRegionAvail().y - ImGui::GetScrollY();
    const float line = ImGui::GetTextLineHeightWithSpacing();
    const float splitter = std::floor(ImGui::GetFontSize() * 0.5f);
    const float spacing = ImGui::GetStyle().ItemSpacing.y * 2.0f;
    const float least = line * 5.0f;
    const bool roomy = visible >= ImGui::GetFontSize() * 26.0f;
    const float ladder_h =
        roomy ? std::max(least, std::min(visible * ladder_share_, visible - least - splitter))
              : std::max(visible - splitter - spacing, line * 8.0f);
    const float total = roomy ? visible : ladder_h + splitter + spacing + line * 24.0f;
    draw_upper(run, settings, ladder_h);
    draw_splitter(total);

    const float lower_h = std::max(total - ladder_h - splitter - spacing, least);
    const bool wide = ImGui::GetContentRegionAvail().x >= ImGui::GetFontSize() * 62.0f;
    if (wide) {
        const ImGuiTableFlags flags = ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV;
        if (ImGui::BeginTable("packets-lower", 2, flags, ImVec2(0.0f, lower_h))) {
            ImGui::TableSetupColumn("list", ImGuiTableColumnFlags_WidthStretch, 0.45f);
            ImGui::TableSetupColumn("detail", ImGuiTableColumnFlags_WidthStretch, 0.55f);
            const float inner = lower_h - ImGui::GetStyle().CellPadding.y * 2.0f;
            ImGui::TableNextColumn();
            list_.draw(flow_, run.record().events(), selection_, ImVec2(0.0f, inner));
            ImGui::TableNextColumn();
            detail_.draw(flow_, run.record().events(), selection_, ImVec2(0.0f, inner));
            ImGui::EndTable();
            selection_.show_detail = false;  // the detail is always in view here
        }
    } else {
        ImGui::BeginChild("packets-lower", ImVec2(0.0f, lower_h), false);
        // Narrow: the list and the detail take turns; a click on an arrow shows its detail.
        char list_label[64];
        std::snprintf(list_label, sizeof list_label, "All packets (%zu)###all",
                      flow_.packets().size());
        if (ImGui::BeginTabBar("packets-lower-tabs")) {
            if (ImGui::BeginTabItem(list_label)) {
                list_.draw(flow_, run.record().events(), selection_, ImVec2(0.0f, 0.0f));
                ImGui::EndTabItem();
            }
            const ImGuiTabItemFlags detail_flags =
                selection_.show_detail ? ImGuiTabItemFlags_SetSelected : 0;
            // Cleared only here: when the tab bar is scrolled out of sight it is not drawn, and
            // the request waits until it is.
            selection_.show_detail = false;
            if (ImGui::BeginTabItem("Selected packet", nullptr, detail_flags)) {
                detail_.draw(flow_, run.record().events(), selection_, ImVec2(0.0f, 0.0f));
                ImGui::EndTabItem();
            }
            ImGui::EndTabBar();
        }
        ImGui::EndChild();
    }
}

// The ladder or the time-sequence graph (the header's choice), in `height`.
void PacketsPanel::draw_upper(LessonRun& run, const Settings& settings, float height) {
    if (settings.packets_view == "graph") {
        ImGui::BeginChild("time-sequence", ImVec2(0.0f, height), false,
                          ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
        graph_.draw(flow_, run.record().events(), selection_, ImGui::GetContentRegionAvail().y);
        ImGui::EndChild();
    } else {
        ladder_.draw(flow_, run.record().events(), selection_, height);
    }
}

// Ladder or graph: two radio buttons on the header's line (not a row of tabs of their own).
void PacketsPanel::draw_view_choice(Settings& settings) {
    const bool graph = settings.packets_view == "graph";
    const float spacing = ImGui::GetStyle().ItemInnerSpacing.x + ImGui::GetFrameHeight();
    same_line_if_fits(ImGui::CalcTextSize("Ladder").x + spacing);
    if (ImGui::RadioButton("Ladder", !graph)) settings.packets_view = "ladder";
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Who sent what to whom, in order: one arrow per packet");
    // Narrow (2x, 3x text): the short name keeps both on the line.
    const char* graph_label = ImGui::GetContentRegionAvail().x < ImGui::GetFontSize() * 40.0f
                                  ? "Graph###graph"
                                  : "Time-sequence graph###graph";
    same_line_if_fits(ImGui::CalcTextSize(graph_label, nullptr, true).x + spacing);
    if (ImGui::RadioButton(graph_label, graph)) settings.packets_view = "graph";
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "Sequence numbers against time: how fast the data went, and where it was lost and "
            "sent again (as Stevens and Wireshark draw it)");
}

void PacketsPanel::draw_header(LessonRun& run, double now, Settings& settings, bool compact) {
    const LessonNetwork* network = run.session()->network();
    if (network && run.session()->capture_problem().empty()) {
        // One line, shorter when the pane is narrow (2x text); how exactly is one hover away.
        std::string note =
            network->has_link()
                ? std::string(
                      "Real packets, captured on SocketLab's link between the client "
                      "side and the server side")
                : std::string("Real packets, captured on loopback just now (") +
                      (network->mode() == LessonNetwork::Mode::HostLoopback ? "host loopback)"
                                                                            : "private namespace)");
        if (ImGui::CalcTextSize(note.c_str()).x > ImGui::GetContentRegionAvail().x)
            note = "Real packets, captured just now";
        ImGui::TextDisabled("%s", note.c_str());
        if (ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30.0f);
            ImGui::TextUnformatted(("SocketLab is " + network->describe() + ".").c_str());
            ImGui::PopTextWrapPos();
            ImGui::EndTooltip();
        }
    }
    if (!run.session()->capture_problem().empty()) return;  // the panel says why instead
    ImGui::PushTextWrapPos(0.0f);

    // In front of a class (compact) the pane is for the packets: the toggles stay in the window.
    if (!compact) draw_toggles(run, settings);

    // Dropped packets: say how many, and where they were lost.
    if (network && now - stats_read_at_ >= 0.5) {
        stats_ = network->stats();
        stats_read_at_ = now;
    }
    const uint64_t dropped = stats_.dropped_kernel + stats_.dropped_queue;
    if (dropped > 0) {
        ImGui::TextColored(theme::waiting(),
                           "%llu packets were dropped and are missing here: %llu by the kernel "
                           "(its capture buffer was full), %llu by SocketLab (it fell behind).",
                           static_cast<unsigned long long>(dropped),
                           static_cast<unsigned long long>(stats_.dropped_kernel),
                           static_cast<unsigned long long>(stats_.dropped_queue));
    }
    if (run.record().dropped_events() > 0)
        ImGui::TextColored(theme::waiting(),
                           "Showing the newest: %llu older events (calls and packets) were let go.",
                           static_cast<unsigned long long>(run.record().dropped_events()));
    ImGui::PopTextWrapPos();
}

// Relative numbers, "Save capture…" (and how the saving went), ladder or graph.
void PacketsPanel::draw_toggles(LessonRun& run, Settings& settings) {
    ImGui::Checkbox("Relative seq/ack", &selection_.relative);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "On: counted from each side's first sequence number (its SYN), as Wireshark shows "
            "them, so the handshake reads 0, 1, 1. Off: the numbers as they are on the wire.");
    same_line_if_fits(button_width("Save capture\xE2\x80\xA6"));
    ImGui::BeginDisabled(flow_.packets().empty() || saving_.valid());
    if (ImGui::Button("Save capture\xE2\x80\xA6")) ImGui::OpenPopup("Save capture");
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip("Save this run's packets as a pcap file for Wireshark or tshark");
    draw_view_choice(settings);
    draw_save_popup(run);

    if (saving_.valid() && saving_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        const std::string error = saving_.get();
        save_failed_ = !error.empty();
        save_message_ = save_failed_ ? error
                                     : "Saved " + std::to_string(saving_count_) + " packets to " +
                                           save_path_ + " (open it in Wireshark)";
    }
    if (saving_.valid()) ImGui::TextDisabled("Saving\xE2\x80\xA6");
    if (!save_message_.empty())
        ImGui::TextColored(save_failed_ ? theme::error() : theme::ok(), "%s",
                           save_message_.c_str());
}

void PacketsPanel::draw_save_popup(LessonRun& run) {
    ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 34.0f, 0.0f), ImGuiCond_Appearing);
    if (!ImGui::BeginPopupModal("Save capture", nullptr, ImGuiWindowFlags_NoSavedSettings)) return;
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(
        "Saves the packets of this run as a pcap file: Wireshark, tshark and tcpdump -r open "
        "it (the same file as socketlab --run ID --pcap FILE).");
    ImGui::PopTextWrapPos();
    ImGui::SetNextItemWidth(-1.0f);
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    const bool enter =
        ImGui::InputText("##path", &save_path_, ImGuiInputTextFlags_EnterReturnsTrue);
    struct stat info {};
    if (!save_path_.empty() && ::stat(save_path_.c_str(), &info) == 0)
        ImGui::TextColored(theme::waiting(), "This file exists: Save replaces it.");
    ImGui::BeginDisabled(save_path_.empty());
    if ((ImGui::Button("Save") || enter) && !save_path_.empty()) {
        std::vector<CapturedPacket> packets = run.session()->captured_packets();
        saving_count_ = packets.size();
        save_message_.clear();
        saving_ = std::async(std::launch::async, [path = save_path_, packets = std::move(packets)] {
            std::string error;
            if (write_capture_file(path, packets, &error)) return std::string();
            return error.empty() ? "Could not write " + path : error;
        });
        ImGui::CloseCurrentPopup();
    }
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)))
        ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

void PacketsPanel::draw_splitter(float total_height) {
    // A bar between the ladder and what is below; drag it to give the ladder more room.
    const float height = std::floor(ImGui::GetFontSize() * 0.5f);
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    const float width = ImGui::GetContentRegionAvail().x;
    ImGui::InvisibleButton("##ladder-splitter", ImVec2(width, height));
    const bool active = ImGui::IsItemActive();
    if (ImGui::IsItemHovered() || active) ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeNS);
    if (active && total_height > 0.0f)
        ladder_share_ =
            std::clamp(ladder_share_ + ImGui::GetIO().MouseDelta.y / total_height, 0.15f, 0.9f);
    const ImU32 color = ImGui::GetColorU32(active                   ? ImGuiCol_SeparatorActive
                                           : ImGui::IsItemHovered() ? ImGuiCol_SeparatorHovered
                                                                    : ImGuiCol_Separator);
    const float mid = pos.y + height * 0.5f;
    const float grip = ImGui::GetFontSize() * 1.5f;
    ImGui::GetWindowDrawList()->AddLine(ImVec2(pos.x + width * 0.5f - grip, mid),
                                        ImVec2(pos.x + width * 0.5f + grip, mid), color,
                                        std::max(2.0f, height * 0.35f));
}

}  // namespace socketlab::ui
