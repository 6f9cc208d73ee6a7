#include "ui/panels.h"

#include "ui/lesson_list_panel.h"
#include "ui/lesson_text_panel.h"
#include "ui/live_pane_panel.h"
#include "ui/your_program_panel.h"

namespace socketlab::ui {

std::vector<std::unique_ptr<Panel>> make_panels() {
    std::vector<std::unique_ptr<Panel>> panels;
    panels.push_back(std::make_unique<LessonListPanel>());
    panels.push_back(std::make_unique<LessonTextPanel>());
    panels.push_back(std::make_unique<YourProgramPanel>());
    panels.push_back(std::make_unique<LivePanePanel>());
    return panels;
}

}  // namespace socketlab::ui
