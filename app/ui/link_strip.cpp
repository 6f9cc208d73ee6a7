#include "ui/link_strip.h"

#include <imgui.h>

#include <cmath>
#include <cstdio>

#include "ui/theme.h"
#include "ui/toolbar_layout.h"

namespace socketlab::ui {
namespace {

// "10 Mbit/s", "no limit".
std::string rate_text(int64_t bits) {
    if (bits <= 0) return "no limit";
    char text[32];
    if (bits >= 1000000)
        std::snprintf(text, sizeof text, "%g Mbit/s", static_cast<double>(bits) / 1e6);
    else
        std::snprintf(text, sizeof text, "%g kbit/s", static_cast<double>(bits) / 1e3);
    return text;
}

// What the link does now, in words: "10 ms each way · no loss · no rate limit · MTU 1500".
std::string settings_line(const LinkSettings& s) {
    char delay[32], loss[48];
    if (s.delay_us > 0)
        std::snprintf(delay, sizeof delay, "%g ms each way", static_cast<double>(s.delay_us) / 1e3);
    else
        std::snprintf(delay, sizeof delay, "no delay");
    if (s.loss_percent > 0)
        std::snprintf(loss, sizeof loss, "loss %g%%", s.loss_percent);
    else
        std::snprintf(loss, sizeof loss, "no loss");
    std::string line = std::string(delay) + " \xC2\xB7 " + loss;
    if (s.duplicate_percent > 0) {
        char dup[40];
        std::snprintf(dup, sizeof dup, " \xC2\xB7 duplicates %g%%", s.duplicate_percent);
        line += dup;
    }
    line +=
        " \xC2\xB7 " + (s.rate_bits > 0 ? rate_text(s.rate_bits) : std::string("no rate limit"));
    return line + " \xC2\xB7 MTU " + std::to_string(s.mtu);
}

bool strip_button(const char* label, const char* tooltip) {
    same_line_if_fits(button_width(label));
    const bool pressed = ImGui::Button(label);
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24.0f);
        ImGui::TextUnformatted(tooltip);
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
    return pressed;
}

}  // namespace

void LinkStrip::apply(LessonRun& run, const std::string& command) {
    message_ = run.apply_link(command);
    read_at_ = -1.0;  // show the change at once
}

void LinkStrip::draw(LessonRun& run, double now) {
    const LessonNetwork* network = run.session() ? run.session()->network() : nullptr;
    const LinkRelay* link = network ? network->link() : nullptr;
    if (!link) return;
    if (run_ != &run) {
        *this = LinkStrip{};
        run_ = &run;
        // Shown whole where there is room; at 2x and 3x text one line, opened on a click.
        shown_ = ImGui::GetContentRegionAvail().y > ImGui::GetFontSize() * 34.0f;
    }
    if (read_at_ < 0 || now - read_at_ > 0.2) {
        read_at_ = now;
        settings_ = link->settings();
        counters_ = link->counters();
        pending_ = link->pending_text();
        if (!ImGui::IsAnyItemActive()) {
            loss_percent_ = static_cast<float>(settings_.loss_percent);
            delay_ms_ = static_cast<float>(settings_.delay_us) / 1000.0f;
            seed_ = static_cast<int>(settings_.seed);
        }
    }
    ImGui::PushID("link-strip");
    if (ImGui::ArrowButton("##shown", shown_ ? ImGuiDir_Down : ImGuiDir_Right)) shown_ = !shown_;
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(shown_ ? "Fold the link's controls into this line"
                                 : "Show the link's controls: drop, duplicate, hold, loss, delay");
    ImGui::SameLine();
    ImGui::PushStyleColor(ImGuiCol_Text, theme::link());
    ImGui::TextUnformatted("SocketLab's link:");
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28.0f);
        ImGui::TextUnformatted(
            "In this lesson the client and the server are in two private networks, joined by a "
            "link that SocketLab itself relays. What the link does (drop, delay, duplicate, "
            "hold) is SocketLab's doing, on purpose; what the kernels do about it (retransmit, "
            "acknowledge twice, slow down) is real TCP.");
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
    // Folded, the strip is one line: what it has done, and what it does only if that fits.
    const std::string line = settings_line(settings_);
    const bool line_fits = ImGui::GetContentRegionAvail().x - ImGui::GetItemRectSize().x >
                           ImGui::CalcTextSize(line.c_str()).x + ImGui::GetFontSize() * 14.0f;
    if (shown_ || line_fits) {
        same_line_if_fits(ImGui::CalcTextSize(line.c_str()).x);
        ImGui::TextUnformatted(line.c_str());
    }
    char counts[160];
    std::snprintf(counts, sizeof counts, "%llu of %llu packets dropped by the link%s",
                  static_cast<unsigned long long>(counters_.dropped),
                  static_cast<unsigned long long>(counters_.from_client) + counters_.from_server,
                  counters_.held > 0 ? " \xC2\xB7 some held" : "");
    if (shown_)
        same_line_if_fits(ImGui::CalcTextSize(counts).x);
    else
        ImGui::SameLine();
    ImGui::TextDisabled("%s", counts);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "From the client %llu, from the server %llu; delivered %llu, dropped %llu (%llu "
            "because the rate-limited queue was full), duplicated %llu, reordered %llu, "
            "corrupted %llu; waiting in the link now %llu",
            static_cast<unsigned long long>(counters_.from_client),
            static_cast<unsigned long long>(counters_.from_server),
            static_cast<unsigned long long>(counters_.delivered),
            static_cast<unsigned long long>(counters_.dropped),
            static_cast<unsigned long long>(counters_.queue_full),
            static_cast<unsigned long long>(counters_.duplicated),
            static_cast<unsigned long long>(counters_.reordered),
            static_cast<unsigned long long>(counters_.corrupted),
            static_cast<unsigned long long>(counters_.held));

    if (!shown_) {
        if (!message_.empty()) ImGui::TextColored(theme::error(), "%s", message_.c_str());
        ImGui::PopID();
        return;
    }
    // The one-click actions: a new line, wrapping as the pane narrows.
    ImGui::NewLine();
    ImGui::SameLine(0.0f, 0.0f);
    if (ImGui::Button("Drop next from client")) apply(run, "drop next from client");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "The next packet the client's kernel sends is thrown away by the link; "
            "watch the client's TCP notice and send it again");
    if (strip_button("Drop next from server",
                     "The next packet the server's kernel sends is thrown away by the link; if "
                     "it was an ACK, the client may send again what was already received"))
        apply(run, "drop next from server");
    if (strip_button("Duplicate next",
                     "The next packet, either way, arrives twice: TCP keeps one copy, UDP hands "
                     "both to the program"))
        apply(run, "duplicate next");
    const bool holding = pending_.find("hold") != std::string::npos;
    if (holding) {
        if (strip_button("Release", "Send what the link holds, in order")) apply(run, "release");
    } else if (strip_button("Hold",
                            "The link keeps every packet until Release: a cable pulled out. "
                            "Watch the senders' retransmissions wait longer each time")) {
        apply(run, "hold");
    }
    const char* more = open_ ? "Fewer controls" : "Loss, delay, rate\xE2\x80\xA6";
    if (strip_button(more, "Set the link's loss, delay, rate and random seed")) open_ = !open_;
    if (!pending_.empty()) {
        const std::string waiting = "Waiting: " + pending_;
        same_line_if_fits(ImGui::CalcTextSize(waiting.c_str()).x);
        ImGui::TextColored(theme::waiting(), "%s", waiting.c_str());
    }
    if (open_) draw_settings(run);
    if (!message_.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, theme::error());
        ImGui::TextWrapped("%s", message_.c_str());
        ImGui::PopStyleColor();
    }
    ImGui::PopID();
}

void LinkStrip::draw_settings(LessonRun& run) {
    const float font = ImGui::GetFontSize();
    const float slider = std::min(font * 10.0f, ImGui::GetContentRegionAvail().x * 0.5f);
    char command[64];
    ImGui::SetNextItemWidth(slider);
    ImGui::SliderFloat("loss##link", &loss_percent_, 0.0f, 100.0f, "loss %.0f%%");
    if (ImGui::IsItemDeactivatedAfterEdit()) {
        std::snprintf(command, sizeof command, "loss %.0f%%", std::round(loss_percent_));
        apply(run, command);
    }
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Each packet, either way, is dropped with this chance (from the seed)");
    same_line_if_fits(slider);
    ImGui::SetNextItemWidth(slider);
    ImGui::SliderFloat("delay##link", &delay_ms_, 0.0f, 500.0f, "delay %.0f ms");
    if (ImGui::IsItemDeactivatedAfterEdit()) {
        std::snprintf(command, sizeof command, "delay %.0fms", std::round(delay_ms_));
        apply(run, command);
    }
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Each way: a round trip takes twice this (plus the kernels' own time)");
    static const struct {
        const char* label;
        const char* command;
    } kRates[] = {{"no rate limit", "rate none"},
                  {"100 kbit/s", "rate 100kbit"},
                  {"1 Mbit/s", "rate 1mbit"},
                  {"10 Mbit/s", "rate 10mbit"},
                  {"100 Mbit/s", "rate 100mbit"}};
    const std::string current =
        settings_.rate_bits > 0 ? rate_text(settings_.rate_bits) : std::string("no rate limit");
    same_line_if_fits(slider);
    ImGui::SetNextItemWidth(slider);
    if (ImGui::BeginCombo("##rate", current.c_str())) {
        for (const auto& r : kRates)
            if (ImGui::Selectable(r.label, current == r.label)) apply(run, r.command);
        ImGui::EndCombo();
    }
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "Bits per second each way. Packets beyond the rate wait in a queue of %d; when it "
            "is full the link drops the newest (\"queue full\")",
            settings_.queue_packets);
    same_line_if_fits(font * 8.0f);
    ImGui::SetNextItemWidth(font * 5.0f);
    ImGui::InputInt("seed##link", &seed_, 0, 0);
    if (ImGui::IsItemDeactivatedAfterEdit() && seed_ >= 0) {
        std::snprintf(command, sizeof command, "seed %d", seed_);
        apply(run, command);
    }
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "The random losses follow this number: the same seed gives the same losses, so a "
            "class can see a run again");
    if (strip_button("Lesson's settings",
                     "Back to the link the lesson asked for; nothing pending or held")) {
        const LinkSettings& wanted = run.lesson().link ? *run.lesson().link : LinkSettings{};
        // One line for all of them, so the note says what the link is now.
        const std::string rate =
            wanted.rate_bits > 0 ? std::to_string(wanted.rate_bits) + "bit" : std::string("none");
        char line[256];
        std::snprintf(
            line, sizeof line, "loss %g%% duplicate %g%% delay %lldus rate %s queue %d seed %llu",
            wanted.loss_percent, wanted.duplicate_percent, static_cast<long long>(wanted.delay_us),
            rate.c_str(), wanted.queue_packets, static_cast<unsigned long long>(wanted.seed));
        apply(run, "release");
        apply(run, "clear");
        apply(run, line);
    }
    // The MTU: set on the link's four interfaces by the helper, in the background.
    static const int kMtus[] = {1280, 1500, 4000, 9000};
    char current_mtu[32];
    std::snprintf(current_mtu, sizeof current_mtu, "MTU %d", settings_.mtu);
    same_line_if_fits(font * 8.0f);
    ImGui::SetNextItemWidth(font * 7.0f);
    ImGui::BeginDisabled(run.link_mtu_busy());
    if (ImGui::BeginCombo("##mtu", run.link_mtu_busy() ? "MTU\xE2\x80\xA6" : current_mtu)) {
        for (const int mtu : kMtus) {
            char label[32];
            std::snprintf(label, sizeof label, "MTU %d", mtu);
            if (ImGui::Selectable(label, mtu == settings_.mtu) && mtu != settings_.mtu) {
                run.set_link_mtu(mtu);
                read_at_ = -1.0;
            }
        }
        ImGui::EndCombo();
    }
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip(
            "The largest packet the link carries, in bytes. 1500 is Ethernet's; 1280 the least "
            "IPv6 allows. TCP's segments are cut to fit it (the MSS in the SYN says so)");
    if (!run.link_mtu_error().empty())
        ImGui::TextColored(theme::error(), "%s", run.link_mtu_error().c_str());
}

}  // namespace socketlab::ui
