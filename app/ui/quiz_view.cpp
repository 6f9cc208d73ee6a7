#include "ui/quiz_view.h"

#include <imgui.h>

#include "ui/fonts.h"
#include "ui/markdown_view.h"
#include "ui/settings.h"
#include "ui/theme.h"

namespace socketlab::ui {

bool lesson_finished(bool steps_done, const QuizScore& score) {
    return steps_done && (score.total == 0 || score.check_yourself_done);
}

QuizScore quiz_score(const Lesson& lesson, const std::map<std::string, int>& picks) {
    QuizScore score;
    score.total = static_cast<int>(lesson.questions.size());
    for (const auto& q : lesson.questions) {
        auto it = picks.find(q.id);
        if (it == picks.end()) continue;
        ++score.answered;
        score.right += it->second == static_cast<int>(q.correct);
    }
    score.check_yourself_done = false;
    for (const auto& quiz : lesson.quizzes) {
        if (quiz.is_prediction) continue;
        bool all = true;
        for (size_t i = quiz.first_question; i < quiz.first_question + quiz.question_count; ++i)
            all = all && picks.count(lesson.questions[i].id) > 0;
        score.check_yourself_done = all;  // the last final quiz decides
    }
    return score;
}

namespace {

// splitmix64: a small, fully specified generator, so an order never changes between builds
// or standard libraries (std::shuffle's is implementation-defined).
uint64_t next(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

}  // namespace

std::vector<size_t> choice_order(const std::string& lesson_id, const std::string& question_id,
                                 size_t n, uint64_t seed) {
    uint64_t state = 0xCBF29CE484222325ull;  // FNV-1a of "lesson/question"
    for (char ch : lesson_id + "/" + question_id) {
        state ^= static_cast<unsigned char>(ch);
        state *= 0x100000001B3ull;
    }
    state ^= seed;
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[next(state) % i]);
    return order;
}

const QuizView::Parsed& QuizView::parsed(const QuizQuestion& q) {
    auto it = cache_.find(q.id);
    if (it != cache_.end()) return it->second;
    // No glossary hovers in a question: a definition could give the answer away.
    Parsed p{parse_markdown(q.question, false), parse_markdown(q.explanation), {}, {}};
    p.order = choice_order(lesson_id_, q.id, q.choices.size(), quiz_order_seed());
    // Choices are one line each: their Markdown marks (`code`, **bold**) are dropped.
    for (const auto& choice : q.choices) {
        MarkdownDoc doc = parse_markdown(choice, false);
        p.choices.push_back(doc.blocks.empty() ? choice : plain_text(doc.blocks[0].spans));
    }
    return cache_.emplace(q.id, std::move(p)).first->second;
}

bool QuizView::draw(const Lesson& lesson, const Quiz& quiz, std::map<std::string, int>& picks) {
    if (lesson_id_ != lesson.id) {
        lesson_id_ = lesson.id;
        cache_.clear();
    }
    bool changed = false;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float pad = ImGui::GetStyle().FramePadding.x * 2.0f;
    draw->ChannelsSplit(2);
    draw->ChannelsSetCurrent(1);
    const ImVec2 top = ImGui::GetCursorScreenPos();
    ImGui::Indent(pad);
    ImGui::Dummy(ImVec2(0, pad * 0.5f));
    ImGui::PushFont(fonts().bold);
    ImGui::PushStyleColor(ImGuiCol_Text, theme::waiting());
    ImGui::TextUnformatted(quiz.is_prediction ? "Predict before you press Step" : "Quiz");
    ImGui::PopStyleColor();
    ImGui::PopFont();

    for (size_t qi = quiz.first_question; qi < quiz.first_question + quiz.question_count; ++qi) {
        const QuizQuestion& q = lesson.questions[qi];
        const Parsed& text = parsed(q);
        ImGui::PushID(q.id.c_str());
        ImGui::Spacing();
        draw_markdown(text.question);
        auto pick = picks.find(q.id);
        const bool answered = pick != picks.end();
        for (size_t shown = 0; shown < q.choices.size(); ++shown) {
            const size_t c = text.order[shown];  // the file's index: what picks store
            ImGui::PushID(static_cast<int>(c));
            const bool chosen = answered && pick->second == static_cast<int>(c);
            const bool right = c == q.correct;
            // Glyph and colour together, so the mark reads in greyscale and on a projector.
            const char* glyph = "\xE2\x97\x8B";  // ○
            ImVec4 color = ImGui::GetStyleColorVec4(ImGuiCol_Text);
            if (answered && right) {
                glyph = "\xE2\x9C\x93";  // ✓
                color = theme::ok();
            } else if (chosen) {
                glyph = "\xE2\x9C\x97";  // ✗
                color = theme::error();
            } else if (answered) {
                color = theme::muted();
            }
            ImGui::PushStyleColor(ImGuiCol_Text, color);
            if (!answered) {
                if (ImGui::SmallButton(glyph)) {
                    picks[q.id] = static_cast<int>(c);
                    changed = true;
                }
            } else {
                ImGui::TextUnformatted(glyph);
            }
            ImGui::SameLine();
            ImGui::PushTextWrapPos(0.0f);
            ImGui::TextUnformatted(text.choices[c].c_str());
            ImGui::PopTextWrapPos();
            ImGui::PopStyleColor();
            if (!answered && ImGui::IsItemClicked()) {
                picks[q.id] = static_cast<int>(c);
                changed = true;
            }
            if (!answered && ImGui::IsItemHovered()) ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
            ImGui::PopID();
        }
        if (answered) {
            const bool right = pick->second == static_cast<int>(q.correct);
            ImGui::PushStyleColor(ImGuiCol_Text, right ? theme::ok() : theme::error());
            ImGui::PushFont(fonts().bold);
            ImGui::TextUnformatted(right ? "Right." : "Not quite.");
            ImGui::PopFont();
            ImGui::PopStyleColor();
            draw_markdown(text.explanation);
            if (ImGui::SmallButton("Answer again")) {
                picks.erase(q.id);
                changed = true;
            }
        }
        ImGui::PopID();
    }
    ImGui::Dummy(ImVec2(0, pad * 0.5f));
    ImGui::Unindent(pad);
    const ImVec2 bottom = ImGui::GetCursorScreenPos();
    draw->ChannelsSetCurrent(0);
    draw->AddRect(top, ImVec2(top.x + ImGui::GetContentRegionAvail().x, bottom.y),
                  ImGui::GetColorU32(theme::waiting()), 6.0f, 0, 1.5f);
    draw->ChannelsMerge();
    return changed;
}

}  // namespace socketlab::ui
