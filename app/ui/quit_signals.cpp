#include "ui/quit_signals.h"

#include <pthread.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

namespace socketlab::ui {

QuitSignals::QuitSignals() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);  // before any worker thread starts
    waiter_ = std::thread([this] {
        int signal = 0;
        sigwait(&signals_, &signal);
        if (closing_) return;  // woken by our own destructor
        requested_ = true;
        glfwPostEmptyEvent();
    });
}

QuitSignals::~QuitSignals() {
    if (!requested_) {
        closing_ = true;
        pthread_kill(waiter_.native_handle(), SIGTERM);  // ends its sigwait
    }
    waiter_.join();
}

}  // namespace socketlab::ui
