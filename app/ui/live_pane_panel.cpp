#include "ui/live_pane_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "ui/actor_summary.h"
#include "ui/theme.h"
#include "ui/ui_probe.h"

namespace socketlab::ui {

void LivePanePanel::draw(PanelContext& context) {
    if (!context.run) {
        ImGui::TextDisabled("Pick a lesson on the left.");
        return;
    }
    LessonRun& run = *context.run;
    if (!run.ready()) {
        // Opening (the network helper may take seconds) or resetting, in the background.
        ImGui::PushStyleColor(ImGuiCol_Text, theme::waiting());
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextUnformatted(run.busy_text().c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopStyleColor();
        return;
    }
    if (!presenting_) {
        if (controls_.draw(run, context.settings, context.progress.quiz_answers[run.lesson().id],
                           context.now, !context.next_lesson.empty()))
            context.open_lesson = context.next_lesson;
        ImGui::Separator();
    }
    link_strip_.draw(run, context.now);
    // A packet lesson is about the packets: their tab is the one that opens with the lesson.
    const bool has_packets = run.session()->network() != nullptr;
    const bool first_frame = tabs_lesson_ != run.lesson().id;
    tabs_lesson_ = run.lesson().id;
    // The tab asked for on the command line, else Packets in a packet lesson; asked until the
    // tab bar shows it (a tab that appears ignores the request on its first frame).
    if (first_frame)
        wanted_tab_ = !context.live_tab.empty() ? context.live_tab : has_packets ? "packets" : "";
    auto select_if_wanted = [&](const char* tab) {
        return wanted_tab_ == tab ? ImGuiTabItemFlags_SetSelected : 0;
    };
    auto shown = [&](const char* tab) {
        if (wanted_tab_ == tab) wanted_tab_.clear();
    };
    if (ImGui::BeginTabBar("live-tabs")) {
        if (ImGui::BeginTabItem("Calls and bytes", nullptr, select_if_wanted("calls"))) {
            shown("calls");
            draw_columns(run);
            ImGui::EndTabItem();
        }
        char label[64];
        if (has_packets) {
            std::snprintf(label, sizeof label, "Packets (%zu)###packets",
                          packets_.packet_count(run));
            if (ImGui::BeginTabItem(label, nullptr, select_if_wanted("packets"))) {
                shown("packets");
                packets_.draw(run, context.now, context.settings, presenting_);
                ImGui::EndTabItem();
            }
        }
        std::snprintf(label, sizeof label, "Conversation (%zu)###conversation",
                      conversation_.conversation_count(run));
        if (ImGui::BeginTabItem(label, nullptr, select_if_wanted("conversation"))) {
            shown("conversation");
            conversation_.draw(run);
            ImGui::EndTabItem();
        }
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Each connection's bytes, both ways, as text or hex");
        // On a short pane "Your text" (and the kept server) fold away; this brings them back.
        if (short_pane_ &&
            ImGui::TabItemButton(extras_open_ ? "Hide your text###extras" : "Your text###extras",
                                 ImGuiTabItemFlags_Trailing))
            extras_open_ = !extras_open_;
        if (short_pane_ && ImGui::IsItemHovered())
            ImGui::SetTooltip("Send your own text as the client%s",
                              run.lesson().try_server.kind.empty()
                                  ? ""
                                  : ", or keep the server open for your own client");
        ImGui::EndTabBar();
    }
}

// The actor making the current step: the one whose step ran last (the first step's before any).
std::string LivePanePanel::acting_actor(const LessonRun& run) {
    const Session* session = run.session();
    const auto& steps = run.lesson().steps;
    if (!session || steps.empty()) return "";
    const size_t next = session->next_step();
    const size_t index = next > 0 ? std::min(next, steps.size()) - 1 : 0;
    // A run step acts through its program's process ("client.py[4121]").
    if (const TracedProgram* program = session->step_program(index))
        if (const auto actors = program->actors(); !actors.empty()) return actors.front();
    return steps[index].actor;
}

void LivePanePanel::draw_columns(LessonRun& run) {
    // What talks to the actors below: your own text, and your own client (kept-open server).
    if (!presenting_) {
        // On a short pane (2x and 3x text) these fold away, so the columns stay in view; the
        // toggle is then a button at the end of the tab bar, not a row of its own.
        short_pane_ = ImGui::GetContentRegionAvail().y < ImGui::GetFontSize() * 24.0f;
        if (!short_pane_ || extras_open_) {
            controls_.draw_own_text(run);
            try_server_.draw(run);
        }
        ImGui::Separator();
    }
    // The lesson's actors (and traced programs) get columns; outside clients one roster.
    std::vector<const ActorRecord*> actors, outside;
    for (const ActorRecord& a : run.record().actors())
        (is_outside_client(a.name) ? outside : actors).push_back(&a);
    const size_t columns = std::min<size_t>(actors.size(), 63);
    const size_t slots = columns + (outside.empty() ? 0 : 1);
    const float font = ImGui::GetFontSize();
    // The columns keep a readable size: at 2x text they fold rather than squeeze.
    const float full_width = font * 13.0f;
    const float compact_width = font * 8.0f;
    // In front of a class the columns take what is left of the screen, scrolling inside.
    const float least = font * (presenting_ ? 8.0f : 24.0f);
    const float height = std::max(ImGui::GetContentRegionAvail().y, least);
    const float avail = ImGui::GetContentRegionAvail().x;
    const float spacing = ImGui::GetStyle().ItemSpacing.x;
    if (avail >= full_width * static_cast<float>(slots)) {
        actors.resize(columns);
        draw_all_columns(run, actors, outside, height);
        return;
    }

    // Not all fit: the acting actor in full, and those the learner opened while there is room;
    // the others folded to their name, sockets and last call.
    const std::string acting = acting_actor(run);
    if (acting != last_acting_) {
        last_acting_ = acting;
        scroll_to_acting_ = true;
        opened_.clear();  // a new step: its actor comes first again
    }
    std::vector<bool> full(columns, false);
    float used = compact_width * static_cast<float>(columns) +
                 spacing * static_cast<float>(slots > 0 ? slots - 1 : 0) +
                 (outside.empty() ? 0.0f : full_width);
    auto open = [&](size_t i) {
        if (full[i]) return;
        full[i] = true;
        used += full_width - compact_width;
    };
    for (size_t i = 0; i < columns; ++i)
        if (actors[i]->name == acting) open(i);
    for (const std::string& name : opened_)  // asked for: shown, even if the row scrolls
        for (size_t i = 0; i < columns; ++i)
            if (actors[i]->name == name) open(i);
    size_t full_count = 0;
    for (bool f : full) full_count += f ? 1 : 0;
    const bool scroll = used > avail;
    // Room left over goes to the full columns.
    const float grow =
        !scroll && full_count > 0 ? (avail - used) / static_cast<float>(full_count) : 0.0f;
    ImGui::BeginChild("actors-folded", ImVec2(0, height), false,
                      ImGuiWindowFlags_HorizontalScrollbar);
    const float inner_h = ImGui::GetContentRegionAvail().y;
    float acting_x = -1.0f, acting_w = 0.0f;
    for (size_t i = 0; i < columns; ++i) {
        const ActorRecord& actor = *actors[i];
        const float width = full[i] ? full_width + grow : compact_width;
        if (i > 0) ImGui::SameLine();
        if (actor.name == acting) {
            acting_x = ImGui::GetCursorPosX();
            acting_w = width;
        }
        ImGui::BeginChild(ImGui::GetID(actor.name.c_str()), ImVec2(width, inner_h), true);
        const auto sockets = run.session()->directory().sockets_of(actor.name);
        if (full[i]) {
            if (actor.name != acting) {
                if (ImGui::SmallButton("Fold"))
                    opened_.erase(std::remove(opened_.begin(), opened_.end(), actor.name),
                                  opened_.end());
                if (ImGui::IsItemHovered())
                    ImGui::SetTooltip("Fold this column back to a few lines");
            }
            column_.draw(run, actor, sockets, ImGui::GetContentRegionAvail().y);
        } else if (draw_actor_summary(run.record(), actor, sockets, actor.name == acting)) {
            opened_.insert(opened_.begin(), actor.name);
        }
        ImGui::EndChild();
        probe_item("actor:" + actor.name + (full[i] ? ":full" : ":folded") +
                   (actor.name == acting ? ":acting" : ""));
    }
    if (!outside.empty()) {
        if (columns > 0) ImGui::SameLine();
        ImGui::BeginChild("outside-roster", ImVec2(full_width, inner_h), true);
        roster_.draw(run, outside, column_, ImGui::GetContentRegionAvail().y);
        ImGui::EndChild();
    }
    // A new step whose actor is scrolled out of view: bring it to the middle.
    if (scroll_to_acting_ && acting_x >= 0.0f) {
        if (scroll)
            ImGui::SetScrollX(
                std::max(0.0f, acting_x + acting_w * 0.5f - ImGui::GetWindowWidth() * 0.5f));
        scroll_to_acting_ = false;
    }
    ImGui::EndChild();
}

// Every actor in full, side by side (they fit), and the outside clients' roster last.
void LivePanePanel::draw_all_columns(LessonRun& run, const std::vector<const ActorRecord*>& actors,
                                     const std::vector<const ActorRecord*>& outside, float height) {
    const std::string acting = acting_actor(run);
    const ImGuiTableFlags flags = ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_SizingStretchSame;
    const size_t columns = actors.size() + (outside.empty() ? 0 : 1);
    if (columns == 0 ||
        !ImGui::BeginTable("actors", static_cast<int>(columns), flags, ImVec2(0, height)))
        return;
    for (const ActorRecord* actor : actors)
        ImGui::TableSetupColumn(actor->name.c_str(), ImGuiTableColumnFlags_WidthStretch, 1.0f);
    if (!outside.empty())
        ImGui::TableSetupColumn("outside clients", ImGuiTableColumnFlags_WidthStretch, 1.0f);
    const float inner = height - ImGui::GetStyle().CellPadding.y * 2;
    for (const ActorRecord* actor : actors) {
        ImGui::TableNextColumn();
        ImGui::BeginChild(ImGui::GetID(actor->name.c_str()), ImVec2(0, inner), false);
        column_.draw(run, *actor, run.session()->directory().sockets_of(actor->name),
                     ImGui::GetContentRegionAvail().y);
        ImGui::EndChild();
        probe_item("actor:" + actor->name + ":full" + (actor->name == acting ? ":acting" : ""));
    }
    if (!outside.empty()) {
        ImGui::TableNextColumn();
        ImGui::BeginChild("outside-roster", ImVec2(0, inner), false);
        roster_.draw(run, outside, column_, ImGui::GetContentRegionAvail().y);
        ImGui::EndChild();
    }
    ImGui::EndTable();
}

}  // namespace socketlab::ui
