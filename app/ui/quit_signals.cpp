#include "ui/quit_signals.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

namespace socketlab::ui {

QuitSignals::QuitSignals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any worker thread starts
    signal_fd_ = signalfd(-1, &signals, SFD_CLOEXEC);
    wake_fd_ = eventfd(0, EFD_CLOEXEC);
    waiter_ = std::thread([this] {
        pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        while (::poll(fds, 2, -1) < 0 && errno == EINTR) {
        }
        if (fds[1].revents != 0 || (fds[0].revents & POLLIN) == 0) return;  // closing
        signalfd_siginfo info{};
        (void)!::read(signal_fd_, &info, sizeof info);
        requested_ = true;
        glfwPostEmptyEvent();
    });
}

QuitSignals::~QuitSignals() {
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);  // ends its poll
    waiter_.join();
    ::close(signal_fd_);
    ::close(wake_fd_);
}

}  // namespace socketlab::ui
