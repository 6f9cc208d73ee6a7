// One actor's column in the live pane: its sockets (with each TCP socket's state as the
// kernel reports it, including sockets that have no file descriptor: a connection waiting in
// the accept queue, one in TIME_WAIT after close), its calls as a timeline, the selected
// call's details (result, errno and what it means), and the bytes it sent and received.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "core/socket_directory.h"
#include "ui/lesson_run.h"

namespace socketlab::ui {

class ActorColumn {
  public:
    // sockets: the actor's open sockets, from the run's socket directory.
    void draw(LessonRun& run, const ActorRecord& actor, const std::vector<SocketSnapshot>& sockets,
              float height);

  private:
    // A TCP socket as the kernel last reported it (the actor's newest State event for it).
    struct KernelSocket {
        std::string name;  // the actor's name for it when reported ("conn", "queued", ...)
        TcpState state = TcpState::Unknown;
        SocketAddress local, peer;
    };
    struct KernelSockets {
        size_t timeline_size = 0;  // the timeline these were read from (recomputed on change)
        size_t last_event = SIZE_MAX;
        std::vector<KernelSocket> sockets;
    };
    const std::vector<KernelSocket>& kernel_sockets(const ActorRecord& actor,
                                                    const std::deque<Event>& events);
    void draw_sockets(const RunRecord& record, const ActorRecord& actor,
                      const std::vector<SocketSnapshot>& sockets);
    void draw_timeline(LessonRun& run, const ActorRecord& actor, float height);
    void draw_details(const LessonRun& run, const ActorRecord& actor, float height);

    std::map<std::string, KernelSockets> kernel_;  // per actor
};

}  // namespace socketlab::ui
